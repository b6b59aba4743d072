/**
 * The breaker against a reference model (fast-check): for arbitrary options
 * and arbitrary sequences of calls (each a success or a failure, with a
 * latency and a pause before the next), the real breaker on a virtual clock
 * and a plain-data model written from the documented rules agree on the
 * state after every step and on which calls were refused. A failure prints
 * fast-check's seed and path, which replay it.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type BreakerOptions, CircuitBreaker, type CircuitState } from '../../src/resilience/index.ts'
import { manualClock } from './manual-clock.ts'

interface Step {
  pauseMs: number
  latencyMs: number
  ok: boolean
}

type ModelOptions = Required<Omit<BreakerOptions, 'breakOn' | 'failureThreshold' | 'failureRate'>> &
  BreakerOptions

/** The documented rules, for calls that never overlap: no generations, no probe slots. */
class Model {
  state: CircuitState = 'closed'
  consecutive = 0
  window: boolean[] = []
  openUntilMs = 0
  reopens = 0
  probeSuccesses = 0
  readonly threshold: number | undefined
  readonly o: ModelOptions
  constructor(o: ModelOptions) {
    this.o = o
    this.threshold = o.failureThreshold ?? (o.failureRate === undefined ? 5 : undefined)
  }

  stateAt(nowMs: number): CircuitState {
    if (this.state === 'open' && nowMs >= this.openUntilMs) {
      this.state = 'halfOpen'
      this.probeSuccesses = 0
    }
    return this.state
  }

  admits(nowMs: number): boolean {
    const state = this.stateAt(nowMs)
    return state === 'closed' || state === 'halfOpen'
  }

  outcome(ok: boolean, nowMs: number): void {
    if (this.state === 'halfOpen') {
      if (!ok) this.open(nowMs, ++this.reopens)
      else if (++this.probeSuccesses >= this.o.successThreshold) {
        this.state = 'closed'
        this.consecutive = 0
        this.window = []
        this.reopens = 0
      }
      return
    }
    this.consecutive = ok ? 0 : this.consecutive + 1
    if (this.o.failureRate !== undefined) this.window = [...this.window, !ok].slice(-this.o.windowSize)
    const failures = this.window.filter((f) => f).length
    const rateReached =
      this.o.failureRate !== undefined &&
      this.window.length >= Math.min(this.o.minimumCalls, this.o.windowSize) &&
      failures / this.window.length >= this.o.failureRate
    if ((this.threshold !== undefined && this.consecutive >= this.threshold) || rateReached)
      this.open(nowMs, 0)
  }

  open(nowMs: number, reopens: number): void {
    this.state = 'open'
    this.openUntilMs = nowMs + Math.min(this.o.resetMaxMs, this.o.resetMs * 2 ** reopens)
  }
}

const optionsArb = fc
  .record({
    failureThreshold: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
    // Dyadic rates: the model's ratio and the breaker's product compare without rounding.
    failureRate: fc.option(fc.constantFrom(0.25, 0.5, 0.75, 1), { nil: undefined }),
    windowSize: fc.integer({ min: 1, max: 6 }),
    minimumCalls: fc.integer({ min: 1, max: 6 }),
    resetMs: fc.integer({ min: 1, max: 200 }),
    backoff: fc.integer({ min: 1, max: 4 }),
    successThreshold: fc.integer({ min: 1, max: 3 }),
  })
  .map(({ backoff, ...o }) => ({ ...o, resetMaxMs: o.resetMs * backoff, halfOpenMax: 1 }))

const stepArb = fc.record({
  pauseMs: fc.integer({ min: 0, max: 150 }),
  latencyMs: fc.integer({ min: 0, max: 80 }),
  ok: fc.boolean(),
})

describe('circuit breaker against a reference model', () => {
  it('agrees on the state after every step and on every refusal (property)', async () => {
    await fc.assert(
      fc.asyncProperty(optionsArb, fc.array(stepArb, { maxLength: 60 }), async (options, steps: Step[]) => {
        const clock = manualClock()
        const breaker = new CircuitBreaker(clock, options)
        const model = new Model(options)
        for (const step of steps) {
          await clock.advance(step.pauseMs)
          expect(breaker.state).toBe(model.stateAt(clock.now()))
          const admitted = model.admits(clock.now())
          let ran = false
          const outcome = breaker
            .execute(
              () =>
                new Promise<void>((resolve, reject) => {
                  ran = true
                  clock.setTimer(step.latencyMs, () => (step.ok ? resolve() : reject(new Error('503'))))
                }),
            )
            .then(
              () => 'ok',
              (e: Error) => e.name,
            )
          expect(ran).toBe(admitted)
          if (admitted) {
            await clock.advance(step.latencyMs)
            model.outcome(step.ok, clock.now())
            expect(await outcome).toBe(step.ok ? 'ok' : 'Error')
          } else expect(await outcome).toBe('CircuitOpenError')
          expect(breaker.state).toBe(model.stateAt(clock.now()))
        }
      }),
      { numRuns: 300 },
    )
  })
})
