/**
 * Which dots of one document a replica holds. Dots from one origin are
 * numbered 1, 2, 3, ... but live updates can arrive out of order or with
 * gaps (a lost frame), so the tracker keeps the contiguous frontier per origin
 * (what the version vector may claim) plus the dots seen above it, which
 * count once the gap below them is filled (by a later frame or a sync).
 */
import type { Dot, VersionVector } from '../../store/store.ts'
import { getOrCreate } from '../get-or-create.ts'
import { merge, seqOf } from './version-vector.ts'

/** Dots held above a gap, per document: past it a resync is cheaper than tracking them. */
export const DOTS_ABOVE_GAP_MAX = 10_000

export class DotTracker {
  #frontier: VersionVector
  readonly #above = new Map<string, Set<number>>()
  #aboveCount = 0
  #version = 0

  constructor(initial: VersionVector = {}) {
    this.#frontier = { ...initial }
  }

  /** The contiguous vector: origin X: n means X's dots 1..n are all held. */
  get vector(): VersionVector {
    return { ...this.#frontier }
  }

  /**
   * Moves whenever the vector may have changed (never back), so a caller can
   * cache what it derives from the vector (the node's heartbeat digest).
   */
  get version(): number {
    return this.#version
  }

  holds(dot: Dot): boolean {
    return (
      seqOf(this.#frontier, dot.origin) >= dot.seq || (this.#above.get(dot.origin)?.has(dot.seq) ?? false)
    )
  }

  /** Records a dot; returns false if it was already held. */
  add(dot: Dot): boolean {
    if (this.holds(dot)) return false
    this.#version++
    if (dot.seq === seqOf(this.#frontier, dot.origin) + 1) {
      this.#frontier[dot.origin] = dot.seq
      this.#advance(dot.origin)
    } else if (this.#aboveCount < DOTS_ABOVE_GAP_MAX) {
      getOrCreate(this.#above, dot.origin, () => new Set<number>()).add(dot.seq)
      this.#aboveCount++
    }
    // Past the bound the dot is forgotten: the update itself is applied, and the
    // vector under-claims until a sync, which is safe (it only causes a re-send).
    return true
  }

  /** Everything a vector claims is held now (after a sync caught this replica up). */
  addVector(vector: VersionVector): void {
    this.#version++
    this.#frontier = merge(this.#frontier, vector)
    for (const origin of [...this.#above.keys()]) this.#advance(origin)
  }

  /** Per origin with a gap: the contiguous frontier and the lowest dot held above it (for diagnostics). */
  gaps(): Array<{ origin: string; through: number; nextHeld: number }> {
    return [...this.#above].map(([origin, set]) => ({
      origin,
      through: seqOf(this.#frontier, origin),
      nextHeld: Math.min(...set),
    }))
  }

  /** Whether some dot is held above a gap (the vector under-claims). */
  get hasGaps(): boolean {
    return this.#aboveCount > 0
  }

  #advance(origin: string): void {
    const set = this.#above.get(origin)
    if (!set) return
    let next = seqOf(this.#frontier, origin)
    for (const seq of [...set]) {
      if (seq <= next) {
        set.delete(seq)
        this.#aboveCount--
      }
    }
    while (set.has(next + 1)) {
      set.delete(++next)
      this.#aboveCount--
    }
    this.#frontier[origin] = next
    if (set.size === 0) this.#above.delete(origin)
  }
}
