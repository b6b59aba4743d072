/**
 * Applying many updates at once without letting one unreadable update cost
 * the others: `applyUpdates` in one call, and if that throws CrdtDecodeError,
 * the same again on each half, down to the single update that cannot be read.
 * Updates are idempotent, so whatever a failed call applied before it threw
 * is applied again harmlessly. With one bad update among n this makes about
 * 2·log2(n) calls instead of n (a call on a large Automerge document costs
 * tens of milliseconds, whatever it carries).
 */
import type { DocBackend } from './backend.ts'
import { CrdtDecodeError } from './errors.ts'

/** An update `applyUpdatesIsolating` left out: its index in the input, and why. */
export interface RejectedUpdate {
  index: number
  error: CrdtDecodeError
}

/** What `applyUpdatesIsolating` did. */
export interface AppliedUpdates {
  /** True if the document changed. */
  changed: boolean
  /** The updates that could not be read, in input order; every other one was applied. */
  rejected: RejectedUpdate[]
}

/**
 * Applies `updates` in order as `backend.applyUpdates` does, except that an
 * update the backend cannot read is left out (and reported) instead of
 * failing the rest. An empty update carries nothing (a node fills a dot it
 * issued and lost with one) and is not passed to the backend. Errors other
 * than CrdtDecodeError propagate.
 */
export function applyUpdatesIsolating(backend: DocBackend, updates: readonly Uint8Array[]): AppliedUpdates {
  const indices: number[] = []
  updates.forEach((update, index) => {
    if (update.byteLength > 0) indices.push(index)
  })
  const rejected: RejectedUpdate[] = []
  const changed = applyRange(
    backend,
    indices.map((index) => updates[index] as Uint8Array),
    0,
    indices.length,
    rejected,
  )
  // Back to the caller's indices (empty updates were left out of the backend call).
  return { changed, rejected: rejected.map((r) => ({ ...r, index: indices[r.index] as number })) }
}

/** Applies `updates[start..end)`, halving on a decode failure; the recursion is log2(n) deep. */
function applyRange(
  backend: DocBackend,
  updates: readonly Uint8Array[],
  start: number,
  end: number,
  rejected: RejectedUpdate[],
): boolean {
  if (start >= end) return false
  try {
    const single = end - start === 1 ? updates[start] : undefined
    return single === undefined
      ? backend.applyUpdates(updates.slice(start, end))
      : backend.applyUpdate(single)
  } catch (error) {
    if (!(error instanceof CrdtDecodeError)) throw error
    if (end - start === 1) {
      rejected.push({ index: start, error })
      return false
    }
    const middle = (start + end) >>> 1
    const left = applyRange(backend, updates, start, middle, rejected)
    const right = applyRange(backend, updates, middle, end, rejected)
    return left || right
  }
}
