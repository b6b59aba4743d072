/**
 * The circuit breaker on a virtual clock: every row of its transition table,
 * the two ways to trip, the open-time backoff, probe limits, stale outcomes,
 * and the manual isolate()/reset().
 */
import { describe, expect, it } from 'vitest'
import {
  type BreakEvent,
  CIRCUIT_TRANSITIONS,
  CircuitBreaker,
  CircuitOpenError,
  nextCircuitState,
} from '../../src/resilience/index.ts'
import { manualClock } from './manual-clock.ts'
import { recorder } from './recorder.ts'

const ok = async () => 'ok'
const fail = async () => {
  throw new Error('503')
}
/** Runs `op` through the breaker and reports 'ok', 'failed' or 'refused' instead of throwing. */
async function call(breaker: CircuitBreaker, op: () => Promise<string>): Promise<string> {
  try {
    return await breaker.execute(op)
  } catch (error) {
    return error instanceof CircuitOpenError ? 'refused' : 'failed'
  }
}

/** An operation that settles (ok or not) when the test says so. */
function gate() {
  let open: (ok: boolean) => void = () => {}
  const op = () =>
    new Promise<string>((resolve, reject) => {
      open = (succeed) => (succeed ? resolve('ok') : reject(new Error('late')))
    })
  return { op, settle: (succeed: boolean) => open(succeed) }
}

describe('circuit breaker', () => {
  it('the table: every state has a row per input it accepts, and no other', () => {
    expect(Object.keys(CIRCUIT_TRANSITIONS).sort()).toEqual(['closed', 'halfOpen', 'isolated', 'open'])
    expect(nextCircuitState('closed', 'trip')).toBe('open')
    expect(nextCircuitState('open', 'openElapsed')).toBe('halfOpen')
    expect(nextCircuitState('halfOpen', 'probeFailed')).toBe('open')
    expect(nextCircuitState('halfOpen', 'probesSucceeded')).toBe('closed')
    for (const state of ['closed', 'open', 'halfOpen', 'isolated'] as const) {
      expect(nextCircuitState(state, 'isolate')).toBe('isolated')
      expect(nextCircuitState(state, 'reset')).toBe('closed')
    }
    expect(() => nextCircuitState('closed', 'openElapsed')).toThrow(/no transition from closed/)
    expect(() => nextCircuitState('isolated', 'openElapsed')).toThrow()
  })

  it('closed → open after failureThreshold consecutive failures; a success in between restarts the count', async () => {
    const clock = manualClock()
    const events = recorder(clock.now)
    const breaker = new CircuitBreaker(clock, { failureThreshold: 3, resetMs: 1_000 }, events)
    for (const op of [fail, fail, ok, fail, fail]) await call(breaker, op)
    expect(breaker.state).toBe('closed')
    expect(breaker.stats.consecutiveFailures).toBe(2)
    await call(breaker, fail)
    expect(breaker.state).toBe('open')
    expect(events.events).toMatchObject([
      { name: 'break', event: { state: 'open', reason: 'consecutive', openMs: 1_000 } },
    ])
    expect(breaker.stats.openUntilMs).toBe(1_000)
  })

  it('open: refuses with CircuitOpenError (state, retryAtMs) and emits reject, without running the call', async () => {
    const clock = manualClock()
    const events = recorder()
    const breaker = new CircuitBreaker(clock, { failureThreshold: 1, resetMs: 500 }, events)
    await call(breaker, fail)
    let ran = false
    const error = await breaker
      .execute(async () => {
        ran = true
      })
      .catch((e: unknown) => e)
    expect(ran).toBe(false)
    expect(error).toMatchObject({ name: 'CircuitOpenError', state: 'open', retryAtMs: 500 })
    expect(events.names()).toEqual(['break', 'reject'])
  })

  it('closed → open on the failure rate once minimumCalls are in the window', async () => {
    const clock = manualClock()
    const events = recorder()
    const breaker = new CircuitBreaker(clock, { failureRate: 0.5, windowSize: 4, minimumCalls: 4 }, events)
    // fail, ok, fail: 2 of 3, but fewer than minimumCalls.
    for (const op of [fail, ok, fail]) await call(breaker, op)
    expect(breaker.state).toBe('closed')
    await call(breaker, ok) // 2 of 4 = 0.5
    expect(breaker.state).toBe('open')
    expect(events.events).toMatchObject([{ name: 'break', event: { reason: 'rate' } }])
  })

  it('the rate window slides: old failures drop out', async () => {
    const clock = manualClock()
    const breaker = new CircuitBreaker(clock, { failureRate: 0.75, windowSize: 4 })
    for (const op of [fail, fail, ok, ok, ok, fail, fail]) await call(breaker, op)
    // The window holds ok, ok, fail, fail: 0.5.
    expect(breaker.stats).toMatchObject({ state: 'closed', windowCalls: 4, windowFailures: 2 })
    await call(breaker, fail) // ok, fail, fail, fail: 0.75
    expect(breaker.state).toBe('open')
  })

  it('open → halfOpen by the clock alone, at exactly resetMs', async () => {
    const clock = manualClock()
    const events = recorder(clock.now)
    const breaker = new CircuitBreaker(clock, { failureThreshold: 1, resetMs: 300 }, events)
    await call(breaker, fail)
    await clock.advance(299)
    expect(breaker.state).toBe('open')
    await clock.advance(1)
    expect(breaker.state).toBe('halfOpen')
    expect(events.events.at(-1)).toEqual({
      name: 'halfOpen',
      event: { state: 'halfOpen', from: 'open' },
      atMs: 300,
    })
  })

  it('halfOpen: admits halfOpenMax probes at once and refuses the rest; successThreshold successes close it', async () => {
    const clock = manualClock()
    const events = recorder()
    const breaker = new CircuitBreaker(
      clock,
      { failureThreshold: 1, resetMs: 100, halfOpenMax: 2, successThreshold: 2 },
      events,
    )
    await call(breaker, fail)
    await clock.advance(100)
    const a = gate()
    const b = gate()
    const first = call(breaker, a.op)
    const second = call(breaker, b.op)
    expect(await call(breaker, ok)).toBe('refused')
    expect(breaker.stats.state).toBe('halfOpen')
    a.settle(true)
    expect(await first).toBe('ok')
    expect(breaker.state).toBe('halfOpen')
    b.settle(true)
    expect(await second).toBe('ok')
    expect(breaker.state).toBe('closed')
    expect(events.names()).toEqual(['break', 'halfOpen', 'reject', 'reset'])
    expect(breaker.stats).toMatchObject({ consecutiveFailures: 0, reopens: 0, openUntilMs: undefined })
  })

  it('halfOpen → open on a failed probe, with the open time backing off to resetMaxMs', async () => {
    const clock = manualClock()
    const events = recorder()
    const breaker = new CircuitBreaker(clock, { failureThreshold: 1, resetMs: 100, resetMaxMs: 350 }, events)
    await call(breaker, fail)
    const openTimes: number[] = []
    for (let i = 0; i < 4; i++) {
      await clock.next()
      expect(breaker.state).toBe('halfOpen')
      await call(breaker, fail)
      expect(breaker.state).toBe('open')
    }
    for (const e of events.events)
      if (e.name === 'break') openTimes.push((e.event as BreakEvent).openMs as number)
    expect(openTimes).toEqual([100, 200, 350, 350, 350])
    expect(events.events.at(-1)).toMatchObject({ name: 'break', event: { reason: 'probe' } })
    // Closing forgets the backoff: the next trip opens for resetMs again.
    await clock.next()
    await call(breaker, ok)
    expect(breaker.state).toBe('closed')
    await call(breaker, fail)
    expect(breaker.stats.openUntilMs).toBe(clock.now() + 100)
  })

  it('a call admitted in an earlier state does not count in the next one', async () => {
    const clock = manualClock()
    const breaker = new CircuitBreaker(clock, { failureThreshold: 2, resetMs: 100 })
    const slow = gate()
    const late = call(breaker, slow.op)
    await call(breaker, fail)
    await call(breaker, fail)
    expect(breaker.state).toBe('open')
    await clock.advance(100)
    expect(breaker.state).toBe('halfOpen')
    slow.settle(true) // admitted while closed: not a probe, does not close the breaker
    expect(await late).toBe('ok')
    expect(breaker.state).toBe('halfOpen')
  })

  it('breakOn: errors it rejects count neither way; neither do failures after the caller aborted', async () => {
    const clock = manualClock()
    const breaker = new CircuitBreaker(clock, {
      failureThreshold: 1,
      breakOn: (e) => !(e instanceof Error && e.message === 'not found'),
    })
    await breaker.execute(async () => Promise.reject(new Error('not found'))).catch(() => {})
    expect(breaker.state).toBe('closed')
    const caller = new AbortController()
    caller.abort()
    const aborted = breaker.execute(async () => Promise.reject(new Error('aborted')), caller.signal)
    await aborted.catch(() => {})
    expect(breaker.state).toBe('closed')
  })

  it('isolate() holds it open until reset(), from any state; both emit', async () => {
    const clock = manualClock()
    const events = recorder()
    const breaker = new CircuitBreaker(clock, { failureThreshold: 1, resetMs: 100 }, events)
    breaker.isolate()
    breaker.isolate() // idempotent
    expect(breaker.state).toBe('isolated')
    expect(await breaker.execute(ok).catch((e: unknown) => e)).toMatchObject({ state: 'isolated' })
    await clock.advance(10_000)
    expect(breaker.state).toBe('isolated')
    breaker.reset()
    expect(breaker.state).toBe('closed')
    await call(breaker, fail)
    breaker.isolate() // from open: the open timer must not fire later
    await clock.advance(1_000)
    expect(breaker.state).toBe('isolated')
    breaker.reset()
    breaker.reset() // from closed: no event
    expect(events.names()).toEqual(['break', 'reject', 'reset', 'break', 'break', 'reset'])
    expect(clock.pending()).toBe(0)
  })

  it('rejects bad options early, naming the field', () => {
    const clock = manualClock()
    expect(() => new CircuitBreaker(clock, { failureThreshold: 0 })).toThrow(/failureThreshold/)
    expect(() => new CircuitBreaker(clock, { failureRate: 1.5 })).toThrow(/failureRate/)
    expect(() => new CircuitBreaker(clock, { resetMs: 100, resetMaxMs: 50 })).toThrow(/resetMaxMs/)
    expect(() => new CircuitBreaker(clock, { halfOpenMax: 1.5 })).toThrow(/halfOpenMax/)
  })
})
