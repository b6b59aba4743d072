/**
 * Operational faults of the CRDT layer: bytes from a peer or a store that the
 * backend cannot read. Callers drop the input, log the reason and carry on;
 * the document is left as it was.
 */

/** Bytes that are not a valid update, sync message or saved sync state for this backend. */
export class CrdtDecodeError extends Error {
  override readonly name = 'CrdtDecodeError'

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
  }
}

/** Wraps whatever a library threw while reading `what` into a CrdtDecodeError. */
export function decodeFailure(what: string, cause: unknown): CrdtDecodeError {
  const reason = cause instanceof Error ? cause.message : String(cause)
  return new CrdtDecodeError(`${what}: ${reason}`, { cause })
}
