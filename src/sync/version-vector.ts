/**
 * Version vectors over dots. Every local change batch on node X gets the dot
 * (X, seq) with seq = 1, 2, 3, ... without gaps, so a vector entry X: n says
 * "holds X's batches 1..n". Comparing two vectors tells whether one replica
 * holds everything the other does, and if not, what is missing per origin.
 *
 * Pure functions over plain objects: the vector is persisted and sent as is.
 */
import type { Dot, VersionVector } from '../../store/store.ts'

export type { Dot, VersionVector }

/** How two vectors relate. */
export type VectorOrder = 'equal' | 'before' | 'after' | 'concurrent'

/** The seq `vector` holds for `origin` (0 when it holds none). */
export function seqOf(vector: VersionVector, origin: string): number {
  return vector[origin] ?? 0
}

/** Whether `vector` already holds `dot`. */
export function holds(vector: VersionVector, dot: Dot): boolean {
  return seqOf(vector, dot.origin) >= dot.seq
}

/** Records `dot` in `vector` (in place); returns whether it was new. */
export function record(vector: VersionVector, dot: Dot): boolean {
  if (holds(vector, dot)) return false
  vector[dot.origin] = dot.seq
  return true
}

/** The pointwise maximum: what a replica holds after merging both. */
export function merge(a: VersionVector, b: VersionVector): VersionVector {
  const out: VersionVector = { ...a }
  for (const [origin, seq] of Object.entries(b)) if (seq > seqOf(out, origin)) out[origin] = seq
  return out
}

/** Whether `a` holds everything `b` holds. */
export function dominates(a: VersionVector, b: VersionVector): boolean {
  for (const [origin, seq] of Object.entries(b)) if (seqOf(a, origin) < seq) return false
  return true
}

/** `a` compared with `b`: 'before' means b holds strictly more. */
export function compare(a: VersionVector, b: VersionVector): VectorOrder {
  const aHoldsB = dominates(a, b)
  const bHoldsA = dominates(b, a)
  if (aHoldsB && bHoldsA) return 'equal'
  if (aHoldsB) return 'after'
  if (bHoldsA) return 'before'
  return 'concurrent'
}

/** Per origin, how many batches `have` lacks of what `want` holds (only positive counts). */
export function missing(have: VersionVector, want: VersionVector): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [origin, seq] of Object.entries(want)) {
    const gap = seq - seqOf(have, origin)
    if (gap > 0) out[origin] = gap
  }
  return out
}

/** Total batches `have` lacks of `want`: the divergence distance in one direction. */
export function distance(have: VersionVector, want: VersionVector): number {
  let total = 0
  for (const gap of Object.values(missing(have, want))) total += gap
  return total
}

/** The vector with its entries in a stable order, for hashing and comparing as text. */
export function canonicalVector(vector: VersionVector): VersionVector {
  const out: VersionVector = {}
  for (const origin of Object.keys(vector).sort()) {
    const seq = vector[origin] as number
    if (seq > 0) out[origin] = seq
  }
  return out
}
