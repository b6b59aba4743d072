/**
 * A per-attempt timeout: the operation gets its own AbortSignal, aborted with
 * an AttemptTimeoutError exactly `ms` after the attempt started on the
 * injected clock, and the call rejects with that error at that instant (it
 * does not wait for an operation that ignores its signal: cockatiel's
 * "aggressive" strategy, Polly's pessimistic one).
 *
 * States of one attempt (a timeout policy itself holds no state between calls):
 *   running     the operation runs and the timer is armed.
 *   succeeded   it resolved first: the timer is cancelled.            (final)
 *   failed      it rejected first: the timer is cancelled.            (final)
 *   timedOut    the timer fired first: signal aborted, call rejected. (final)
 *   cancelled   the caller's signal aborted first: passed on, call
 *               rejected with the caller's reason.                     (final)
 * Whatever settles after a final state is ignored.
 */
import type { Clock } from '../env/types.ts'
import { neverAborted } from './abort.ts'
import { AttemptTimeoutError } from './errors.ts'
import { noEvents, type PolicyEventSink } from './events.ts'
import { type AttemptContext, firstAttempt, type Operation, type Policy } from './operation.ts'

/** `timeout({ ms })`. */
export interface TimeoutOptions {
  /** The limit of one attempt, in ms on the policy's clock. */
  ms: number
}

/** Checks options early, naming the bad field (programmer error: a RangeError). */
function validate(options: TimeoutOptions): void {
  if (!(Number.isFinite(options.ms) && options.ms >= 0))
    throw new RangeError(`timeout.ms must be a finite number ≥ 0, got ${options.ms}`)
}

/** Aborts each attempt that runs longer than `ms`. */
export class TimeoutPolicy implements Policy {
  readonly #clock: Clock
  readonly #ms: number
  readonly #events: PolicyEventSink

  constructor(clock: Clock, options: TimeoutOptions, events: PolicyEventSink = noEvents) {
    validate(options)
    this.#clock = clock
    this.#ms = options.ms
    this.#events = events
  }

  /** The per-attempt limit, in ms. */
  get ms(): number {
    return this.#ms
  }

  execute<T>(
    fn: Operation<T>,
    signal: AbortSignal = neverAborted,
    context: AttemptContext = firstAttempt,
  ): Promise<T> {
    if (signal.aborted) return Promise.reject(signal.reason)
    const controller = new AbortController()
    return new Promise<T>((resolve, reject) => {
      let state: 'running' | 'succeeded' | 'failed' | 'timedOut' | 'cancelled' = 'running'
      const onCallerAbort = (): void => {
        if (state !== 'running') return
        state = 'cancelled'
        timer.cancel()
        controller.abort(signal.reason)
        reject(signal.reason)
      }
      const timer = this.#clock.setTimer(this.#ms, () => {
        if (state !== 'running') return
        state = 'timedOut'
        signal.removeEventListener('abort', onCallerAbort)
        const error = new AttemptTimeoutError(this.#ms)
        this.#events.emit('timeout', { timeoutMs: this.#ms })
        controller.abort(error)
        reject(error)
      })
      if (signal !== neverAborted) signal.addEventListener('abort', onCallerAbort, { once: true })
      const settle = (next: 'succeeded' | 'failed'): boolean => {
        if (state !== 'running') return false
        state = next
        timer.cancel()
        signal.removeEventListener('abort', onCallerAbort)
        return true
      }
      let result: T | PromiseLike<T>
      try {
        result = fn(controller.signal, context)
      } catch (error) {
        if (settle('failed')) reject(error)
        return
      }
      Promise.resolve(result).then(
        (value) => {
          if (settle('succeeded')) resolve(value)
        },
        (error: unknown) => {
          if (settle('failed')) reject(error)
        },
      )
    })
  }
}
