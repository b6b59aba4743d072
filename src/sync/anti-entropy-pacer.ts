/**
 * When to run an anti-entropy round with a peer (anti-entropy.ts): only on
 * a content mismatch that held still over two heartbeats (a peer that is
 * writing moves its digest every time, and its live frames are on the way),
 * only while no pull with that peer is under way, only from the side with
 * the lower id (the receiver's syncs repair both sides), and no more often
 * than the per-peer interval, which doubles while the mismatch persists. When
 * the vector digests differ too, the vectors exchange gets the first chance.
 */
import type { Env } from '../env/types.ts'
import { ANTI_ENTROPY_INTERVAL_MS_MAX, ANTI_ENTROPY_INTERVAL_MS_MIN } from './anti-entropy.ts'

interface PeerPace {
  lastTheirs: number | undefined
  lastOurs: number | undefined
  /** When the current stable mismatch was first seen. */
  mismatchSinceMs: number | undefined
  nextMs: number
  intervalMs: number
}

export class AntiEntropyPacer {
  readonly #self: string
  readonly #env: Env
  /** Per connected peer (forgotten on disconnect): as bounded as the connections. */
  readonly #peers = new Map<string, PeerPace>()

  constructor(self: string, env: Env) {
    this.#self = self
    this.#env = env
  }

  /** A heartbeat from `peer` carried `theirs`; ours is `ours`. True: send the summaries now. */
  due(peer: string, theirs: number, ours: number, busy: boolean, vectorsEqual: boolean): boolean {
    const now = this.#env.clock.now()
    let pace = this.#peers.get(peer)
    if (!pace) {
      pace = {
        lastTheirs: undefined,
        lastOurs: undefined,
        mismatchSinceMs: undefined,
        nextMs: Number.NEGATIVE_INFINITY,
        intervalMs: ANTI_ENTROPY_INTERVAL_MS_MIN,
      }
      this.#peers.set(peer, pace)
    }
    const stable = theirs === pace.lastTheirs && ours === pace.lastOurs
    pace.lastTheirs = theirs
    pace.lastOurs = ours
    if (theirs === ours) {
      pace.intervalMs = ANTI_ENTROPY_INTERVAL_MS_MIN
      pace.mismatchSinceMs = undefined
      return false
    }
    if (!stable) {
      pace.mismatchSinceMs = undefined
      return false
    }
    pace.mismatchSinceMs ??= now
    if (busy || this.#self >= peer || now < pace.nextMs) return false
    if (!vectorsEqual && now - pace.mismatchSinceMs < ANTI_ENTROPY_INTERVAL_MS_MIN) return false
    pace.nextMs = now + pace.intervalMs
    pace.intervalMs = Math.min(ANTI_ENTROPY_INTERVAL_MS_MAX, pace.intervalMs * 2)
    return true
  }

  forget(peer: string): void {
    this.#peers.delete(peer)
  }
}
