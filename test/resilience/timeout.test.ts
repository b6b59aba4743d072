/**
 * The per-attempt timeout on a virtual clock: each final state of an
 * attempt, and (property) the abort lands exactly at the deadline, never a
 * millisecond early or late, for arbitrary limits and latencies.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { AttemptTimeoutError, TimeoutPolicy } from '../../src/resilience/index.ts'
import { manualClock, settle } from './manual-clock.ts'
import { recorder } from './recorder.ts'

/** An operation that resolves with `value` after `ms` on `clock`, noting when its signal aborted. */
function slowOp(clock: ReturnType<typeof manualClock>, ms: number, seen: { abortedAtMs?: number }) {
  return (signal: AbortSignal) =>
    new Promise<string>((resolve) => {
      signal.addEventListener('abort', () => {
        seen.abortedAtMs = clock.now()
      })
      clock.setTimer(ms, () => resolve('done'))
    })
}

describe('timeout', () => {
  it('succeeded: a fast call resolves and leaves no timer armed', async () => {
    const clock = manualClock()
    const policy = new TimeoutPolicy(clock, { ms: 100 })
    const seen: { abortedAtMs?: number } = {}
    const result = policy.execute(slowOp(clock, 40, seen))
    await clock.advance(40)
    await expect(result).resolves.toBe('done')
    expect(clock.pending()).toBe(0)
    expect(seen.abortedAtMs).toBeUndefined()
  })

  it('failed: a rejection (or a synchronous throw) passes through and cancels the timer', async () => {
    const clock = manualClock()
    const policy = new TimeoutPolicy(clock, { ms: 100 })
    await expect(policy.execute(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom')
    await expect(
      policy.execute(() => {
        throw new Error('sync')
      }),
    ).rejects.toThrow('sync')
    expect(clock.pending()).toBe(0)
  })

  it('timedOut: aborts the signal with AttemptTimeoutError at the deadline and emits timeout', async () => {
    const clock = manualClock()
    const events = recorder()
    const policy = new TimeoutPolicy(clock, { ms: 100 }, events)
    let reason: unknown
    const result = policy.execute(
      (signal) =>
        new Promise((_, reject) => {
          signal.addEventListener('abort', () => {
            reason = signal.reason
            reject(new Error('saw the abort late'))
          })
        }),
    )
    const outcome = result.catch((e: unknown) => e)
    await clock.advance(99)
    expect(reason).toBeUndefined()
    await clock.advance(1)
    const error = await outcome
    expect(error).toBeInstanceOf(AttemptTimeoutError)
    expect(error).toMatchObject({ name: 'AttemptTimeoutError', timeoutMs: 100 })
    expect(reason).toBe(error)
    expect(events.names()).toEqual(['timeout'])
  })

  it('cancelled: the caller aborting first passes its reason on and disarms the timer', async () => {
    const clock = manualClock()
    const policy = new TimeoutPolicy(clock, { ms: 100 })
    const caller = new AbortController()
    let inner: AbortSignal | undefined
    const result = policy
      .execute((signal) => {
        inner = signal
        return new Promise(() => {})
      }, caller.signal)
      .catch((e: unknown) => e)
    await clock.advance(10)
    caller.abort(new Error('user gave up'))
    expect(await result).toMatchObject({ message: 'user gave up' })
    expect(inner?.aborted).toBe(true)
    expect(clock.pending()).toBe(0)
    await expect(policy.execute(() => 1, caller.signal)).rejects.toThrow('user gave up')
  })

  it('rejects a bad limit early', () => {
    expect(() => new TimeoutPolicy(manualClock(), { ms: -1 })).toThrow(RangeError)
    expect(() => new TimeoutPolicy(manualClock(), { ms: Number.NaN })).toThrow(/timeout.ms/)
  })

  it('aborts exactly at its deadline on the virtual clock, for arbitrary limits and latencies (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 5_000 }),
        fc.integer({ min: 0, max: 5_000 }),
        async (ms, latencyMs) => {
          const clock = manualClock(1_000)
          const seen: { abortedAtMs?: number } = {}
          const outcome = new TimeoutPolicy(clock, { ms }).execute(slowOp(clock, latencyMs, seen)).then(
            (value) => ({ value, atMs: clock.now() }),
            (error: unknown) => ({ error, atMs: clock.now() }),
          )
          while (await clock.next()) await settle()
          const settled = await outcome
          if (latencyMs < ms) {
            expect(settled).toEqual({ value: 'done', atMs: 1_000 + latencyMs })
            expect(seen.abortedAtMs).toBeUndefined()
          } else {
            // A tie goes to the timeout: its timer was armed first.
            expect(settled).toMatchObject({ atMs: 1_000 + ms })
            expect('error' in settled && settled.error).toBeInstanceOf(AttemptTimeoutError)
            expect(seen.abortedAtMs).toBe(1_000 + ms)
          }
        },
      ),
      { numRuns: 200 },
    )
  })
})
