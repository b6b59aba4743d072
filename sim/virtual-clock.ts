/**
 * Per-node virtual clocks on the one global virtual time. A node's clock has
 * a skew (ms offset) and a drift (rate: 1.01 runs 1% fast); `now()` never goes
 * backwards (a backward skew is absorbed by holding the clock until global
 * time catches up, as a slewing NTP does). Timers fire in the one queue.
 */
import type { Clock, Timer } from '../src/env/types.ts'
import type { Scheduler } from './scheduler.ts'
import type { Trace } from './trace.ts'

/** A node's skew and drift. It outlives crashes: a machine's clock stays off across process restarts. */
export class ClockSetting {
  #skewMs = 0
  #rate = 1
  /** Local time is anchorLocalMs + (global - anchorGlobalMs) × rate + skewMs. */
  #anchorGlobalMs = 0
  #anchorLocalMs = 0

  get skewMs(): number {
    return this.#skewMs
  }

  get rate(): number {
    return this.#rate
  }

  /** Local time at global time `globalMs`, before the no-going-back rule. */
  localMs(globalMs: number): number {
    return this.#anchorLocalMs + (globalMs - this.#anchorGlobalMs) * this.#rate + this.#skewMs
  }

  /** Sets the offset from true time (not additive). */
  setSkew(skewMs: number): void {
    this.#skewMs = skewMs
  }

  /** Sets the rate from `globalMs` on, keeping local time continuous there. */
  setRate(rate: number, globalMs: number): void {
    this.#anchorLocalMs = this.localMs(globalMs) - this.#skewMs
    this.#anchorGlobalMs = globalMs
    this.#rate = rate
  }
}

/** Whether an incarnation of a node is alive; a crash flips it and every timer it set goes dead. */
export interface Life {
  alive: boolean
}

/**
 * The Clock one node incarnation sees. A timer of `ms` local milliseconds
 * fires `ms / rate` global milliseconds later (a drift change does not move
 * timers already set). Timers of a dead incarnation never fire.
 */
export function virtualClock(
  scheduler: Scheduler,
  setting: ClockSetting,
  node: string,
  life: Life,
  trace: Trace,
): Clock {
  let lastMs = Number.NEGATIVE_INFINITY
  return {
    now() {
      const local = setting.localMs(scheduler.nowMs)
      if (local > lastMs) lastMs = local
      return lastMs
    },
    setTimer(ms, fn): Timer {
      if (!life.alive) return { cancel() {} }
      const delayMs = Number.isFinite(ms) && ms > 0 ? ms / setting.rate : 0
      const event = scheduler.schedule(scheduler.nowMs + delayMs, 'timer', node, () => {
        if (!life.alive) return false
        if (trace.timers) trace.record({ t: scheduler.nowMs, k: 'timer', node })
        fn()
        return true
      })
      return {
        cancel() {
          event.canceled = true
        },
      }
    },
  }
}
