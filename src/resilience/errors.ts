/**
 * The errors a resilience policy throws, each a class with a `name` so that
 * callers (and fallbacks) can tell a policy's verdict from the operation's
 * own failure. Names follow cockatiel's where it has one.
 */

/** One attempt ran past its `timeout({ ms })`; its AbortSignal was aborted with this error as the reason. */
export class AttemptTimeoutError extends Error {
  override name = 'AttemptTimeoutError'
  /** The per-attempt limit that was reached, in ms. */
  readonly timeoutMs: number
  constructor(timeoutMs: number) {
    super(`attempt timed out after ${timeoutMs} ms`)
    this.timeoutMs = timeoutMs
  }
}

/** Why a retry policy stopped retrying an error it would otherwise retry. */
export type RetryStop = 'attempts' | 'deadline' | 'budget'

/**
 * A retryable error persisted: `maxAttempts` ran, the overall deadline came,
 * or the shared retry budget refused another try. `cause` is the last
 * attempt's error (undefined when the deadline struck mid-attempt and the
 * attempt had not failed yet).
 */
export class RetriesExhaustedError extends Error {
  override name = 'RetriesExhaustedError'
  /** Attempts started. */
  readonly attempts: number
  readonly stop: RetryStop
  constructor(attempts: number, stop: RetryStop, cause: unknown) {
    super(`gave up after ${attempts} attempt${attempts === 1 ? '' : 's'} (${stop})`, { cause })
    this.attempts = attempts
    this.stop = stop
  }
}

/** The circuit breaker is open, isolated, or half-open with every probe slot taken: the call did not run. */
export class CircuitOpenError extends Error {
  override name = 'CircuitOpenError'
  /** The breaker's state when it refused the call. */
  readonly state: 'open' | 'halfOpen' | 'isolated'
  /** When an open breaker lets a probe through, on the policy's clock (undefined while isolated or half-open). */
  readonly retryAtMs: number | undefined
  constructor(state: 'open' | 'halfOpen' | 'isolated', retryAtMs?: number) {
    super(state === 'isolated' ? 'circuit isolated' : `circuit ${state}: call not attempted`)
    this.state = state
    this.retryAtMs = retryAtMs
  }
}

/** Every bulkhead slot is busy and its queue is full: the call did not run. */
export class BulkheadFullError extends Error {
  override name = 'BulkheadFullError'
  readonly maxConcurrent: number
  readonly maxQueue: number
  constructor(maxConcurrent: number, maxQueue: number) {
    super(`bulkhead full: ${maxConcurrent} running, ${maxQueue} queued`)
    this.maxConcurrent = maxConcurrent
    this.maxQueue = maxQueue
  }
}

/** Every fallback in the chain failed too. `errors` holds the original error, then each fallback's. */
export class FallbackExhaustedError extends Error {
  override name = 'FallbackExhaustedError'
  readonly errors: readonly unknown[]
  constructor(errors: readonly unknown[]) {
    super(`all ${errors.length - 1} fallback${errors.length === 2 ? '' : 's'} failed`, {
      cause: errors[errors.length - 1],
    })
    this.errors = errors
  }
}
