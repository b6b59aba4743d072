/**
 * Operational faults a store reports. Callers handle them by class (or by
 * `name`, which survives structured cloning and logging); programmer errors
 * such as opening a store twice are assertions instead.
 */

/** Base class of every error a store raises on purpose. */
export class StoreError extends Error {
  override name = 'StoreError'
}

/** The path exists but holds something other than a store (a regular file, a folder of other files, another LevelDB). Nothing was written to it. */
export class StoreNotAStoreError extends StoreError {
  override name = 'StoreNotAStoreError'
}

/** Another process, or another open store in this process, holds the store's lock. */
export class StoreLockedError extends StoreError {
  override name = 'StoreLockedError'
}

/** The store was written in a format version this code cannot read (usually a newer release). Nothing was written to it. */
export class StoreFormatError extends StoreError {
  override name = 'StoreFormatError'
}

/** An argument this store refuses: a backend that differs from the one the document is stored with, a string that is not well-formed UTF-16, a compact of an unknown document. */
export class StoreInputError extends StoreError {
  override name = 'StoreInputError'
}

/** An argument larger than a named bound (`DOC_NAME_LENGTH_MAX`, `RECORD_PAYLOAD_BYTES_MAX`, ...). */
export class StoreLimitError extends StoreInputError {
  override name = 'StoreLimitError'
  /** What was too large, e.g. "document name". */
  readonly what: string
  readonly limit: number
  readonly actual: number

  constructor(what: string, limit: number, actual: number) {
    super(`${what} is ${actual}, over the limit of ${limit}`)
    this.what = what
    this.limit = limit
    this.actual = actual
  }
}

/** An operation on a store that is not open (never opened, closing or closed). */
export class StoreClosedError extends StoreError {
  override name = 'StoreClosedError'
}
