/**
 * Retry with exponential backoff and jitter, on the injected clock and
 * Random (the schedule is src/env/backoff.ts, shared with the transport's
 * redialers). Parameters follow resilience4j and Polly: `maxAttempts` counts
 * every attempt, the first included.
 *
 * States of one call:
 *   attempting  the operation runs (attempt n of maxAttempts).
 *   waiting     attempt n failed with a retryable error; the backoff timer
 *               is armed, then attempting (n+1).
 *   succeeded   an attempt resolved.                                    (final)
 *   gaveUp      the error is not retryable (`retryOn` said no, or the
 *               caller aborted): rethrown as it is.                     (final)
 *   exhausted   retryable, but maxAttempts ran, the deadline came or the
 *               budget refused: RetriesExhaustedError with the stop.    (final)
 * The overall deadline, when set, aborts the attempt's signal and ends the
 * call at exactly startedMs + deadlineMs, in whatever state it is.
 */
import { backoffDelayMs, type Jitter } from '../env/backoff.ts'
import type { Env } from '../env/types.ts'

/** What a retry policy takes from the Env: its clock for the waits, its Random for the jitter. */
export type RetryEnv = Pick<Env, 'clock' | 'random'>

import { neverAborted, sleep } from './abort.ts'
import { BulkheadFullError, CircuitOpenError, RetriesExhaustedError } from './errors.ts'
import { noEvents, type PolicyEventSink } from './events.ts'
import type { AttemptContext, Operation, Policy } from './operation.ts'
import type { RetryBudget } from './retry-budget.ts'

/** `retry({...})`; every field optional. */
export interface RetryOptions {
  /** Attempts in all, the first included. Default 3. */
  maxAttempts?: number
  /** The ceiling of the first wait, in ms. Default 500. */
  baseMs?: number
  /** The longest wait, in ms. Default 30_000. */
  maxMs?: number
  /** Default 'full' (see src/env/backoff.ts for each mode). */
  jitter?: Jitter
  /**
   * Whether an error is transient (worth another attempt). Default: every
   * error except a policy's refusal (CircuitOpenError, BulkheadFullError),
   * which another attempt at once would only repeat.
   */
  retryOn?: (error: unknown) => boolean
  /** An overall limit on the call, retries and waits included, in ms from its start. */
  deadlineMs?: number
  /** A budget shared with other policies (see RetryBudget): retries stop while it is drained. */
  budget?: RetryBudget
}

/** Defaults of DESIGN.md §3's TaskHandler `retry`. */
export const RETRY_DEFAULTS = { maxAttempts: 3, baseMs: 500, maxMs: 30_000, jitter: 'full' } as const

function defaultRetryOn(error: unknown): boolean {
  return !(error instanceof CircuitOpenError || error instanceof BulkheadFullError)
}

function validate(o: Required<Pick<RetryOptions, 'maxAttempts' | 'baseMs' | 'maxMs'>>, deadlineMs?: number) {
  if (!(Number.isInteger(o.maxAttempts) && o.maxAttempts >= 1))
    throw new RangeError(`retry.maxAttempts must be an integer ≥ 1, got ${o.maxAttempts}`)
  if (!(Number.isFinite(o.baseMs) && o.baseMs >= 0))
    throw new RangeError(`retry.baseMs must be ≥ 0, got ${o.baseMs}`)
  if (!(Number.isFinite(o.maxMs) && o.maxMs >= o.baseMs))
    throw new RangeError(`retry.maxMs must be ≥ baseMs, got ${o.maxMs}`)
  if (deadlineMs !== undefined && !(Number.isFinite(deadlineMs) && deadlineMs >= 0))
    throw new RangeError(`retry.deadlineMs must be ≥ 0, got ${deadlineMs}`)
}

/** How far a call got: read when the deadline ends it mid-way. */
interface Progress {
  attempts: number
  lastError: unknown
}

/** Runs an operation again after retryable failures, waiting a jittered exponential backoff between. */
export class RetryPolicy implements Policy {
  readonly #env: RetryEnv
  readonly #events: PolicyEventSink
  readonly #maxAttempts: number
  readonly #schedule: { baseMs: number; maxMs: number; jitter: Jitter }
  readonly #retryOn: (error: unknown) => boolean
  readonly #deadlineMs: number | undefined
  readonly #budget: RetryBudget | undefined

  constructor(env: RetryEnv, options: RetryOptions = {}, events: PolicyEventSink = noEvents) {
    const maxAttempts = options.maxAttempts ?? RETRY_DEFAULTS.maxAttempts
    const baseMs = options.baseMs ?? RETRY_DEFAULTS.baseMs
    const maxMs = options.maxMs ?? Math.max(RETRY_DEFAULTS.maxMs, baseMs)
    validate({ maxAttempts, baseMs, maxMs }, options.deadlineMs)
    this.#env = env
    this.#events = events
    this.#maxAttempts = maxAttempts
    this.#schedule = { baseMs, maxMs, jitter: options.jitter ?? RETRY_DEFAULTS.jitter }
    this.#retryOn = options.retryOn ?? defaultRetryOn
    this.#deadlineMs = options.deadlineMs
    this.#budget = options.budget
  }

  execute<T>(fn: Operation<T>, signal: AbortSignal = neverAborted, _context?: AttemptContext): Promise<T> {
    const progress: Progress = { attempts: 0, lastError: undefined }
    if (this.#deadlineMs === undefined) return this.#attempts(fn, signal, Number.POSITIVE_INFINITY, progress)
    return this.#withDeadline(fn, signal, this.#deadlineMs, progress)
  }

  /** The attempting/waiting loop; `deadlineAtMs` stops waits that would end past it. */
  async #attempts<T>(fn: Operation<T>, signal: AbortSignal, deadlineAtMs: number, p: Progress): Promise<T> {
    let previousDelayMs: number | undefined
    for (let attempt = 1; ; attempt++) {
      p.attempts = attempt
      try {
        const value = await fn(signal, { attempt })
        this.#budget?.recordSuccess()
        return value
      } catch (error) {
        p.lastError = error
        if (signal.aborted || !this.#retryOn(error)) throw error // gaveUp
        this.#budget?.recordFailure()
        if (attempt >= this.#maxAttempts) throw new RetriesExhaustedError(attempt, 'attempts', error)
        const delayMs = backoffDelayMs(attempt - 1, this.#schedule, this.#env.random, previousDelayMs)
        if (this.#env.clock.now() + delayMs >= deadlineAtMs)
          throw new RetriesExhaustedError(attempt, 'deadline', error)
        if (this.#budget !== undefined && !this.#budget.allowsRetry())
          throw new RetriesExhaustedError(attempt, 'budget', error)
        previousDelayMs = delayMs
        this.#events.emit('retry', { attempt, delayMs, error })
        await sleep(this.#env.clock, delayMs, signal) // waiting
      }
    }
  }

  /** The loop under an overall deadline: one timer ends the call and aborts the attempt in flight. */
  #withDeadline<T>(fn: Operation<T>, signal: AbortSignal, deadlineMs: number, p: Progress): Promise<T> {
    if (signal.aborted) return Promise.reject(signal.reason)
    const controller = new AbortController()
    const onCallerAbort = (): void => controller.abort(signal.reason)
    signal.addEventListener('abort', onCallerAbort, { once: true })
    return new Promise<T>((resolve, reject) => {
      let settled = false
      const finish = (): boolean => {
        if (settled) return false
        settled = true
        timer.cancel()
        signal.removeEventListener('abort', onCallerAbort)
        return true
      }
      const timer = this.#env.clock.setTimer(deadlineMs, () => {
        const error = new RetriesExhaustedError(p.attempts, 'deadline', p.lastError)
        if (finish()) {
          controller.abort(error)
          reject(error)
        }
      })
      const deadlineAtMs = this.#env.clock.now() + deadlineMs
      this.#attempts(fn, controller.signal, deadlineAtMs, p).then(
        (value) => finish() && resolve(value),
        (error: unknown) => finish() && reject(error),
      )
    })
  }
}
