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

/** One damaged stretch of a LevelDB file in a store folder (see `StoreDamagedError`). */
export interface StoreDamage {
  /** The file's name inside the store folder, e.g. "000003.log", "CURRENT". */
  file: string
  /** Where the damage starts, in bytes from the start of the file. */
  offset: number
  /** How many bytes LevelDB's recovery would drop from there (0 for a missing file). */
  bytes: number
  /** LevelDB's own wording where it has one ("checksum mismatch"), else what is wrong ("missing"). */
  reason: string
}

/**
 * The store's LevelDB files are damaged: a write-ahead log record fails its
 * checksum, or CURRENT, the MANIFEST or a table file is missing or
 * unreadable. LevelDB's own recovery would silently drop what `damage`
 * lists, and delete the damaged files, so the store refused to open and
 * wrote nothing. `levelStore({ onDamage: 'salvage' })` opens it anyway,
 * keeping a copy of the files first.
 */
export class StoreDamagedError extends StoreError {
  override name = 'StoreDamagedError'
  /** The store's folder. */
  readonly path: string
  readonly damage: StoreDamage[]
  /** LevelDB entries (puts and deletes) recovery would drop: at least this many (exact when `recordsDroppedExact`). */
  readonly recordsDropped: number
  readonly recordsDroppedExact: boolean
  readonly bytesDropped: number
  /** True when LevelDB could not open the folder at all (CURRENT, MANIFEST or a table file): salvage rebuilds it with LevelDB's repair. */
  readonly needsRepair: boolean
  /** The damage in one line, without the path (what `isthmus node` prints after the path). */
  readonly summary: string

  constructor(
    path: string,
    found: {
      damage: StoreDamage[]
      recordsDropped: number
      recordsDroppedExact: boolean
      bytesDropped: number
      needsRepair: boolean
      summary: string
    },
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options)
    this.summary = found.summary
    this.path = path
    this.damage = found.damage
    this.recordsDropped = found.recordsDropped
    this.recordsDroppedExact = found.recordsDroppedExact
    this.bytesDropped = found.bytesDropped
    this.needsRepair = found.needsRepair
  }
}
