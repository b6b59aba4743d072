/**
 * A hand-driven virtual clock for policy tests: time moves only in
 * `advance`, which fires due timers in (time, order set) order and lets every
 * promise settle after each one, so a test reads like a timeline.
 */
import type { Clock, Timer } from '../../src/env/types.ts'

/** Resolves after the microtask queue has drained (one macrotask turn). */
export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

interface Pending {
  atMs: number
  seq: number
  fn: () => void
  live: boolean
}

export interface ManualClock extends Clock {
  /** Moves time forward by `ms`, firing every timer due on the way (and settling promises after each). */
  advance(ms: number): Promise<void>
  /** Moves time to the next timer and fires it; false when no timer is armed. */
  next(): Promise<boolean>
  /** Timers armed and not cancelled. */
  pending(): number
}

export function manualClock(startMs = 0): ManualClock {
  let nowMs = startMs
  let seq = 0
  let timers: Pending[] = []
  const due = (endMs: number): Pending | undefined => {
    let first: Pending | undefined
    for (const t of timers)
      if (
        t.live &&
        t.atMs <= endMs &&
        (!first || t.atMs < first.atMs || (t.atMs === first.atMs && t.seq < first.seq))
      )
        first = t
    return first
  }
  const fire = async (timer: Pending): Promise<void> => {
    nowMs = Math.max(nowMs, timer.atMs)
    timer.live = false
    timers = timers.filter((t) => t.live)
    timer.fn()
    await settle()
  }
  return {
    now: () => nowMs,
    setTimer(ms, fn): Timer {
      const timer: Pending = { atMs: nowMs + Math.max(0, ms), seq: seq++, fn, live: true }
      timers.push(timer)
      return {
        cancel: () => {
          timer.live = false
        },
      }
    },
    async advance(ms) {
      const endMs = nowMs + ms
      await settle()
      for (let t = due(endMs); t !== undefined; t = due(endMs)) await fire(t)
      nowMs = endMs
    },
    async next() {
      await settle()
      const t = due(Number.POSITIVE_INFINITY)
      if (t === undefined) return false
      await fire(t)
      return true
    },
    pending: () => timers.filter((t) => t.live).length,
  }
}
