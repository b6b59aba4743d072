/**
 * Retry on a virtual clock: each state of a call (attempting, waiting,
 * succeeded, gaveUp, exhausted by attempts, deadline or budget), the shared
 * budget's two states, and (property) full-jitter waits within
 * [0, min(maxMs, baseMs·2^n)] for arbitrary options and seeds.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { seededRandom } from '../../src/env/index.ts'
import {
  CircuitOpenError,
  RetriesExhaustedError,
  type RetryEvent,
  RetryPolicy,
  retryBudget,
} from '../../src/resilience/index.ts'
import { manualClock } from './manual-clock.ts'
import { recorder } from './recorder.ts'

/** An operation that fails its first `failures` calls, then returns 'ok'; notes each call's time. */
function flaky(clock: { now(): number }, failures: number, error: () => unknown = () => new Error('503')) {
  const callsAtMs: number[] = []
  const op = async () => {
    callsAtMs.push(clock.now())
    if (callsAtMs.length <= failures) throw error()
    return 'ok'
  }
  return { op, callsAtMs }
}

async function runAll(clock: ReturnType<typeof manualClock>): Promise<void> {
  while (await clock.next()) {}
}

describe('retry', () => {
  it('waiting → attempting: succeeds after transient failures, at the scheduled times', async () => {
    const clock = manualClock()
    const events = recorder(clock.now)
    const policy = new RetryPolicy(
      { clock, random: seededRandom(1) },
      { maxAttempts: 4, baseMs: 100, maxMs: 1_000, jitter: 'none' },
      events,
    )
    const { op, callsAtMs } = flaky(clock, 2)
    const result = policy.execute(op)
    await runAll(clock)
    await expect(result).resolves.toBe('ok')
    expect(callsAtMs).toEqual([0, 100, 300])
    expect(
      events.events.map((e) => [e.name, (e.event as RetryEvent).attempt, (e.event as RetryEvent).delayMs]),
    ).toEqual([
      ['retry', 1, 100],
      ['retry', 2, 200],
    ])
  })

  it('passes the attempt number to the operation', async () => {
    const clock = manualClock()
    const attempts: number[] = []
    const policy = new RetryPolicy({ clock, random: seededRandom(1) }, { maxAttempts: 3, baseMs: 1 })
    const result = policy.execute(async (_signal, { attempt }) => {
      attempts.push(attempt)
      throw new Error('x')
    })
    const outcome = result.catch((e: unknown) => e)
    await runAll(clock)
    expect(attempts).toEqual([1, 2, 3])
    expect(await outcome).toMatchObject({ name: 'RetriesExhaustedError', attempts: 3, stop: 'attempts' })
  })

  it('exhausted (attempts): RetriesExhaustedError with the last error as cause', async () => {
    const clock = manualClock()
    const policy = new RetryPolicy({ clock, random: seededRandom(1) }, { maxAttempts: 2, baseMs: 10 })
    let n = 0
    const outcome = policy
      .execute(async () => Promise.reject(new Error(`fail ${++n}`)))
      .catch((e: unknown) => e)
    await runAll(clock)
    const error = (await outcome) as RetriesExhaustedError
    expect(error).toBeInstanceOf(RetriesExhaustedError)
    expect((error.cause as Error).message).toBe('fail 2')
  })

  it('gaveUp: a permanent error (retryOn false) is rethrown as is, after one attempt', async () => {
    const clock = manualClock()
    const permanent = new Error('400 bad request')
    const policy = new RetryPolicy(
      { clock, random: seededRandom(1) },
      { retryOn: (e) => !(e instanceof Error && e.message.startsWith('400')) },
    )
    const { op, callsAtMs } = flaky(clock, 5, () => permanent)
    await expect(policy.execute(op)).rejects.toBe(permanent)
    expect(callsAtMs).toEqual([0])
  })

  it('gaveUp: an open breaker is not retried by default', async () => {
    const clock = manualClock()
    const policy = new RetryPolicy({ clock, random: seededRandom(1) })
    const { op, callsAtMs } = flaky(clock, 5, () => new CircuitOpenError('open', 10))
    await expect(policy.execute(op)).rejects.toBeInstanceOf(CircuitOpenError)
    expect(callsAtMs).toHaveLength(1)
  })

  it('gaveUp: the caller aborting during a wait ends the call with its reason, no timer left', async () => {
    const clock = manualClock()
    const caller = new AbortController()
    const policy = new RetryPolicy({ clock, random: seededRandom(1) }, { baseMs: 1_000, jitter: 'none' })
    const { op, callsAtMs } = flaky(clock, 5)
    const outcome = policy.execute(op, caller.signal).catch((e: unknown) => e)
    await clock.advance(500)
    caller.abort(new Error('cancelled'))
    expect(await outcome).toMatchObject({ message: 'cancelled' })
    expect(callsAtMs).toEqual([0])
    expect(clock.pending()).toBe(0)
  })

  it('exhausted (deadline): no wait that would end past the deadline is started', async () => {
    const clock = manualClock()
    const policy = new RetryPolicy(
      { clock, random: seededRandom(1) },
      { maxAttempts: 10, baseMs: 100, jitter: 'none', deadlineMs: 350 },
    )
    const { op, callsAtMs } = flaky(clock, 10)
    const outcome = policy.execute(op).catch((e: unknown) => e)
    await runAll(clock)
    // Attempts at 0, 100, 300; the next wait (400 ms) would end at 700 > 350.
    expect(callsAtMs).toEqual([0, 100, 300])
    expect(await outcome).toMatchObject({ stop: 'deadline', attempts: 3 })
  })

  it('exhausted (deadline): an attempt still running at the deadline is aborted there', async () => {
    const clock = manualClock()
    const policy = new RetryPolicy({ clock, random: seededRandom(1) }, { deadlineMs: 250 })
    let abortedAtMs: number | undefined
    const outcome = policy
      .execute(
        (signal) =>
          new Promise(() => {
            signal.addEventListener('abort', () => {
              abortedAtMs = clock.now()
            })
          }),
      )
      .then(
        () => undefined,
        (e: unknown) => ({ e, atMs: clock.now() }),
      )
    await runAll(clock)
    const { e, atMs } = (await outcome) as { e: RetriesExhaustedError; atMs: number }
    expect(e).toMatchObject({ name: 'RetriesExhaustedError', stop: 'deadline', attempts: 1 })
    expect(atMs).toBe(250)
    expect(abortedAtMs).toBe(250)
  })

  it('a shared budget: allowing, then throttling once failures drain it, then allowing after successes', async () => {
    const clock = manualClock()
    const budget = retryBudget({ maxTokens: 4, tokenRatio: 0.5 })
    const env = { clock, random: seededRandom(1) }
    const a = new RetryPolicy(env, { maxAttempts: 5, baseMs: 1, budget })
    const b = new RetryPolicy(env, { maxAttempts: 5, baseMs: 1, budget })
    expect(budget.state).toBe('allowing')
    const failing = flaky(clock, 100)
    const outcome = a.execute(failing.op).catch((e: unknown) => e)
    await runAll(clock)
    // 4 tokens: failures take one each; at 2 (= half) retries stop.
    expect(await outcome).toMatchObject({ stop: 'budget', attempts: 2 })
    expect(budget.state).toBe('throttling')
    const other = flaky(clock, 100)
    const second = b.execute(other.op).catch((e: unknown) => e)
    await runAll(clock)
    expect(await second).toMatchObject({ stop: 'budget', attempts: 1 })
    for (let i = 0; i < 4; i++) await b.execute(async () => 'ok')
    expect(budget.tokens).toBe(3)
    expect(budget.state).toBe('allowing')
  })

  it('rejects bad options early, naming the field', () => {
    const env = { clock: manualClock(), random: seededRandom(1) }
    expect(() => new RetryPolicy(env, { maxAttempts: 0 })).toThrow(/maxAttempts/)
    expect(() => new RetryPolicy(env, { baseMs: 10, maxMs: 5 })).toThrow(/maxMs/)
    expect(() => new RetryPolicy(env, { deadlineMs: -1 })).toThrow(/deadlineMs/)
    expect(() => retryBudget({ maxTokens: 0 })).toThrow(/maxTokens/)
  })

  it('full-jitter waits stay within [0, min(maxMs, baseMs·2^n)] (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 0, max: 2_000 }),
        fc.integer({ min: 0, max: 60_000 }),
        fc.integer(),
        async (maxAttempts, baseMs, extraMs, seed) => {
          const clock = manualClock()
          const maxMs = baseMs + extraMs
          const events = recorder(clock.now)
          const policy = new RetryPolicy(
            { clock, random: seededRandom(seed) },
            { maxAttempts, baseMs, maxMs, jitter: 'full' },
            events,
          )
          const { op, callsAtMs } = flaky(clock, maxAttempts)
          const outcome = policy.execute(op).catch((e: unknown) => e)
          await runAll(clock)
          expect(await outcome).toBeInstanceOf(RetriesExhaustedError)
          const delays = events.events.map((e) => (e.event as RetryEvent).delayMs)
          expect(delays).toHaveLength(maxAttempts - 1)
          delays.forEach((ms, n) => {
            expect(ms).toBeGreaterThanOrEqual(0)
            expect(ms).toBeLessThanOrEqual(Math.min(maxMs, baseMs * 2 ** n))
            // The wait really was that long on the clock.
            expect((callsAtMs[n + 1] as number) - (callsAtMs[n] as number)).toBeCloseTo(ms, 6)
          })
        },
      ),
      { numRuns: 150 },
    )
  })
})
