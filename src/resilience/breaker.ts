/**
 * A circuit breaker on the injected clock (states and transitions: the table
 * in breaker-table.ts). Two ways to trip, usable together:
 *   consecutive  `failureThreshold` failures in a row (cockatiel's ConsecutiveBreaker);
 *   rate         a failure ratio ≥ `failureRate` over the last `windowSize`
 *                calls, once `minimumCalls` are in the window
 *                (resilience4j's COUNT_BASED window, Polly's FailureRatio).
 * Open lasts `resetMs`, doubling after each failed probe up to `resetMaxMs`
 * when that is set; a timer on the clock moves it to halfOpen, so the state
 * (and a node's degradation) changes even when no call arrives.
 *
 * An outcome counts only in the state that admitted its call: a slow call
 * that settles after the breaker moved on is ignored (a generation number
 * tells them apart). Errors `breakOn` rejects, and failures after the
 * caller's own abort, count neither way.
 */
import { backoffCeilingMs } from '../env/backoff.ts'
import type { Clock, Timer } from '../env/types.ts'
import { neverAborted } from './abort.ts'
import { type CircuitInput, type CircuitState, nextCircuitState } from './breaker-table.ts'
import { CircuitOpenError } from './errors.ts'
import { type BreakEvent, noEvents, type PolicyEventSink } from './events.ts'
import { type AttemptContext, firstAttempt, type Operation, type Policy } from './operation.ts'
import { OutcomeWindow } from './outcome-window.ts'

/** `breaker({...})`; every field optional. Names follow resilience4j and DESIGN.md §3. */
export interface BreakerOptions {
  /** Consecutive failures that open the breaker. Default 5, or off when `failureRate` is given alone. */
  failureThreshold?: number
  /** Failure ratio in (0, 1] over the window that opens the breaker; off by default. */
  failureRate?: number
  /** Calls in the failure-rate window. Default 20. */
  windowSize?: number
  /** Calls the window must hold before the rate counts. Default `windowSize`. */
  minimumCalls?: number
  /** How long the breaker stays open before a probe, in ms. Default 10_000. */
  resetMs?: number
  /** When set (> resetMs), each failed probe doubles the open time, up to this. */
  resetMaxMs?: number
  /** Probe calls admitted at once while half-open. Default 1. */
  halfOpenMax?: number
  /** Successful probes that close the breaker. Default 1. */
  successThreshold?: number
  /** Whether an error counts as a failure of the dependency. Default: every error. */
  breakOn?: (error: unknown) => boolean
}

/** Defaults of DESIGN.md §3's TaskHandler `breaker`. */
export const BREAKER_DEFAULTS = {
  failureThreshold: 5,
  resetMs: 10_000,
  halfOpenMax: 1,
  windowSize: 20,
} as const

interface Resolved {
  failureThreshold: number | undefined
  failureRate: number | undefined
  windowSize: number
  minimumCalls: number
  resetMs: number
  resetMaxMs: number
  halfOpenMax: number
  successThreshold: number
  breakOn: (error: unknown) => boolean
}

function positiveInteger(name: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isInteger(value) && value >= 1))
    throw new RangeError(`breaker.${name} must be an integer ≥ 1, got ${value}`)
}

function resolve(o: BreakerOptions): Resolved {
  for (const name of [
    'failureThreshold',
    'windowSize',
    'minimumCalls',
    'halfOpenMax',
    'successThreshold',
  ] as const)
    positiveInteger(name, o[name])
  if (o.failureRate !== undefined && !(o.failureRate > 0 && o.failureRate <= 1))
    throw new RangeError(`breaker.failureRate must be in (0, 1], got ${o.failureRate}`)
  const resetMs = o.resetMs ?? BREAKER_DEFAULTS.resetMs
  if (!(Number.isFinite(resetMs) && resetMs >= 0))
    throw new RangeError(`breaker.resetMs must be ≥ 0, got ${resetMs}`)
  if (o.resetMaxMs !== undefined && !(Number.isFinite(o.resetMaxMs) && o.resetMaxMs >= resetMs))
    throw new RangeError(`breaker.resetMaxMs must be ≥ resetMs, got ${o.resetMaxMs}`)
  const windowSize = o.windowSize ?? BREAKER_DEFAULTS.windowSize
  return {
    failureThreshold:
      o.failureThreshold ?? (o.failureRate === undefined ? BREAKER_DEFAULTS.failureThreshold : undefined),
    failureRate: o.failureRate,
    windowSize,
    minimumCalls: Math.min(o.minimumCalls ?? windowSize, windowSize),
    resetMs,
    resetMaxMs: o.resetMaxMs ?? resetMs,
    halfOpenMax: o.halfOpenMax ?? BREAKER_DEFAULTS.halfOpenMax,
    successThreshold: o.successThreshold ?? 1,
    breakOn: o.breakOn ?? (() => true),
  }
}

/** A breaker's counters, for metrics and tests. */
export interface BreakerStats {
  state: CircuitState
  consecutiveFailures: number
  windowCalls: number
  windowFailures: number
  /** When an open breaker admits a probe, on its clock; undefined in other states. */
  openUntilMs: number | undefined
  /** Failed probes since the breaker last closed (the open-time backoff exponent). */
  reopens: number
}

/** Stops calls to a failing dependency for a while, then probes it. */
export class CircuitBreaker implements Policy {
  readonly #clock: Clock
  readonly #o: Resolved
  readonly #events: PolicyEventSink
  readonly #window: OutcomeWindow
  #state: CircuitState = 'closed'
  /** Bumped on every transition: outcomes of calls admitted under an older one are ignored. */
  #generation = 0
  #consecutiveFailures = 0
  #reopens = 0
  #openUntilMs: number | undefined
  #openTimer: Timer | undefined
  #probesInFlight = 0
  #probeSuccesses = 0

  constructor(clock: Clock, options: BreakerOptions = {}, events: PolicyEventSink = noEvents) {
    this.#clock = clock
    this.#o = resolve(options)
    this.#events = events
    this.#window = new OutcomeWindow(this.#o.windowSize)
  }

  /** The current state. */
  get state(): CircuitState {
    return this.#state
  }

  /** The counters behind the state. */
  get stats(): BreakerStats {
    return {
      state: this.#state,
      consecutiveFailures: this.#consecutiveFailures,
      windowCalls: this.#window.count,
      windowFailures: this.#window.failures,
      openUntilMs: this.#openUntilMs,
      reopens: this.#reopens,
    }
  }

  execute<T>(
    fn: Operation<T>,
    signal: AbortSignal = neverAborted,
    context: AttemptContext = firstAttempt,
  ): Promise<T> {
    // A call at the very instant the open time ends sees halfOpen whichever event the clock ran first.
    if (this.#state === 'open' && this.#clock.now() >= (this.#openUntilMs as number)) this.#enterHalfOpen()
    if (this.#state === 'closed') return this.#run(fn, signal, context, false)
    if (this.#state === 'halfOpen' && this.#probesInFlight < this.#o.halfOpenMax) {
      this.#probesInFlight++
      return this.#run(fn, signal, context, true)
    }
    const error = new CircuitOpenError(
      this.#state as 'open' | 'halfOpen' | 'isolated',
      this.#state === 'open' ? this.#openUntilMs : undefined,
    )
    this.#events.emit('reject', { by: 'breaker', error })
    return Promise.reject(error)
  }

  /** Holds the breaker open by hand until `reset()`; calls are refused meanwhile. */
  isolate(): void {
    if (this.#state === 'isolated') return
    this.#cancelOpenTimer()
    this.#move('isolate')
    this.#openUntilMs = undefined
    this.#events.emit('break', { state: 'isolated', reason: 'isolate', openMs: undefined, error: undefined })
  }

  /** Closes the breaker by hand, from any state, forgetting every count. */
  reset(): void {
    const from = this.#state
    this.#cancelOpenTimer()
    this.#move('reset')
    this.#clearCounts()
    if (from !== 'closed') this.#events.emit('reset', { state: 'closed', from })
  }

  async #run<T>(fn: Operation<T>, signal: AbortSignal, context: AttemptContext, probe: boolean): Promise<T> {
    const generation = this.#generation
    let value: T
    try {
      value = await fn(signal, context)
    } catch (error) {
      if (generation === this.#generation) {
        if (probe) this.#probesInFlight--
        if (!signal.aborted && this.#o.breakOn(error)) this.#failed(error)
      }
      throw error
    }
    if (generation === this.#generation) {
      if (probe) this.#probesInFlight--
      this.#succeeded()
    }
    return value
  }

  #succeeded(): void {
    if (this.#state === 'closed') {
      this.#consecutiveFailures = 0
      // A success can trip a rate breaker too: it may be the call that fills the window to minimumCalls.
      if (this.#o.failureRate !== undefined) {
        this.#window.record(false)
        if (this.#rateReached()) this.#open('trip', 'rate', undefined)
      }
    } else if (this.#state === 'halfOpen' && ++this.#probeSuccesses >= this.#o.successThreshold) {
      this.#move('probesSucceeded')
      this.#clearCounts()
      this.#events.emit('reset', { state: 'closed', from: 'halfOpen' })
    }
  }

  #failed(error: unknown): void {
    if (this.#state === 'halfOpen') {
      this.#reopens++
      this.#open('probeFailed', 'probe', error)
      return
    }
    if (this.#state !== 'closed') return
    this.#consecutiveFailures++
    if (this.#o.failureRate !== undefined) this.#window.record(true)
    const threshold = this.#o.failureThreshold
    if (threshold !== undefined && this.#consecutiveFailures >= threshold)
      this.#open('trip', 'consecutive', error)
    else if (this.#rateReached()) this.#open('trip', 'rate', error)
  }

  /** Whether the window holds enough calls and its failure ratio reached failureRate. */
  #rateReached(): boolean {
    const rate = this.#o.failureRate
    if (rate === undefined || this.#window.count < this.#o.minimumCalls) return false
    return this.#window.failures >= rate * this.#window.count
  }

  #open(input: CircuitInput, reason: BreakEvent['reason'], error: unknown): void {
    this.#move(input)
    const openMs = backoffCeilingMs(this.#reopens, { baseMs: this.#o.resetMs, maxMs: this.#o.resetMaxMs })
    this.#openUntilMs = this.#clock.now() + openMs
    this.#openTimer = this.#clock.setTimer(openMs, () => {
      this.#openTimer = undefined
      if (this.#state === 'open') this.#enterHalfOpen()
    })
    this.#events.emit('break', { state: 'open', reason, openMs, error })
  }

  #enterHalfOpen(): void {
    this.#cancelOpenTimer()
    this.#move('openElapsed')
    this.#openUntilMs = undefined
    this.#probesInFlight = 0
    this.#probeSuccesses = 0
    this.#events.emit('halfOpen', { state: 'halfOpen', from: 'open' })
  }

  #move(input: CircuitInput): void {
    this.#state = nextCircuitState(this.#state, input)
    this.#generation++
  }

  #clearCounts(): void {
    this.#consecutiveFailures = 0
    this.#reopens = 0
    this.#openUntilMs = undefined
    this.#probesInFlight = 0
    this.#probeSuccesses = 0
    this.#window.clear()
  }

  #cancelOpenTimer(): void {
    this.#openTimer?.cancel()
    this.#openTimer = undefined
  }
}
