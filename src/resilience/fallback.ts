/**
 * Fallbacks: when the call fails, run the first fallback with its error; if
 * that fails too, the next with that error, and so on in order. When every
 * one has failed, FallbackExhaustedError carries all the errors. A call the
 * caller aborted is not replaced: its abort reason passes through.
 *
 * States of one call:
 *   primary     the wrapped call runs.
 *   falling(i)  fallback i runs, given the error before it.
 *   settled     the primary or a fallback resolved, or the caller
 *               aborted (its error passes through).              (final)
 *   exhausted   every fallback failed: FallbackExhaustedError.   (final)
 */
import { invoke, neverAborted } from './abort.ts'
import { FallbackExhaustedError } from './errors.ts'
import { noEvents, type PolicyEventSink } from './events.ts'
import { type AttemptContext, firstAttempt, type Operation, type Policy } from './operation.ts'

/** A replacement answer, computed from the error that made it necessary. */
export type FallbackHandler<T = unknown> = (error: unknown, signal: AbortSignal) => T | PromiseLike<T>

/** Replaces a failed call's outcome with a fallback's. */
export class FallbackPolicy implements Policy {
  readonly #handlers: readonly FallbackHandler[]
  readonly #events: PolicyEventSink

  constructor(handlers: FallbackHandler | readonly FallbackHandler[], events: PolicyEventSink = noEvents) {
    this.#handlers = typeof handlers === 'function' ? [handlers] : [...handlers]
    if (this.#handlers.length === 0) throw new RangeError('fallback needs at least one handler')
    this.#events = events
  }

  async execute<T>(
    fn: Operation<T>,
    signal: AbortSignal = neverAborted,
    context: AttemptContext = firstAttempt,
  ): Promise<T> {
    try {
      return await fn(signal, context)
    } catch (error) {
      if (signal.aborted) throw error
      return this.#fallBack(error, signal) as Promise<T>
    }
  }

  async #fallBack(first: unknown, signal: AbortSignal): Promise<unknown> {
    const errors: unknown[] = [first]
    for (const [index, handler] of this.#handlers.entries()) {
      const error = errors[errors.length - 1]
      this.#events.emit('fallback', { index, error })
      try {
        return await invoke(() => handler(error, signal))
      } catch (next) {
        errors.push(next)
      }
    }
    throw new FallbackExhaustedError(errors)
  }
}
