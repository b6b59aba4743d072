/**
 * policy(env): the five parts composed in their documented order (fallback,
 * bulkhead, retry, breaker, timeout) whatever order the builder was called
 * in, and the events of a whole call on a virtual clock.
 */
import { describe, expect, it } from 'vitest'
import { seededRandom } from '../../src/env/index.ts'
import {
  AttemptTimeoutError,
  BulkheadFullError,
  CircuitOpenError,
  type PolicyEvents,
  policy,
  RetriesExhaustedError,
} from '../../src/resilience/index.ts'
import { manualClock } from './manual-clock.ts'

/** Every event of `p`, with its time. */
function listen(p: ReturnType<typeof policy>, now: () => number) {
  const seen: Array<{ name: string; atMs: number; event: unknown }> = []
  const names: Array<keyof PolicyEvents> = [
    'retry',
    'break',
    'halfOpen',
    'reset',
    'timeout',
    'reject',
    'fallback',
  ]
  for (const name of names) p.on(name, (event: unknown) => seen.push({ name, atMs: now(), event }))
  return seen
}

const hang = (): Promise<never> => new Promise(() => {})

describe('policy(env)', () => {
  it('with no parts, runs the call as is', async () => {
    const p = policy({ clock: manualClock(), random: seededRandom(1) })
    expect(await p.execute(() => 42)).toBe(42)
    await expect(p.execute(() => Promise.reject(new Error('x')))).rejects.toThrow('x')
  })

  it('timeout is per attempt, inside retry; exhausted retries go to the fallback with RetriesExhaustedError', async () => {
    const clock = manualClock()
    // Builder called in reverse: the nesting order is fixed anyway.
    const p = policy({ clock, random: seededRandom(1) })
      .fallback((error) => `fallback after ${(error as Error).name}`)
      .retry({ maxAttempts: 3, baseMs: 50, jitter: 'none' })
      .timeout({ ms: 100 })
    const seen = listen(p, clock.now)
    const attemptsAtMs: number[] = []
    const answer = p.execute(() => {
      attemptsAtMs.push(clock.now())
      return hang()
    })
    while (await clock.next()) {}
    expect(await answer).toBe('fallback after RetriesExhaustedError')
    expect(attemptsAtMs).toEqual([0, 150, 350])
    expect(seen.map((e) => `${e.name}@${e.atMs}`)).toEqual([
      'timeout@100',
      'retry@100',
      'timeout@250',
      'retry@250',
      'timeout@450',
      'fallback@450',
    ])
    const fallback = seen.at(-1)?.event as { error: RetriesExhaustedError }
    expect(fallback.error.cause).toBeInstanceOf(AttemptTimeoutError)
  })

  it('the breaker counts every attempt; once open, retry stops and the fallback gets CircuitOpenError', async () => {
    const clock = manualClock()
    const p = policy({ clock, random: seededRandom(1) })
      .retry({ maxAttempts: 5, baseMs: 10, jitter: 'none' })
      .breaker({ failureThreshold: 2, resetMs: 1_000 })
      .fallback((error) => error)
    const seen = listen(p, clock.now)
    let calls = 0
    const answer = p.execute(async () => {
      calls++
      throw new Error('503')
    })
    while (await clock.next()) {}
    expect(await answer).toBeInstanceOf(CircuitOpenError)
    expect(calls).toBe(2)
    expect(p.circuit?.state).toBe('halfOpen') // the clock ran on to the open time's end
    // The failure that opened the breaker is itself retryable; the next attempt is refused at once.
    expect(seen.map((e) => e.name)).toEqual(['retry', 'break', 'retry', 'reject', 'fallback', 'halfOpen'])
  })

  it('a bulkhead refusal goes to the fallback, is not retried and does not count in the breaker', async () => {
    const clock = manualClock()
    const p = policy({ clock, random: seededRandom(1) })
      .bulkhead({ maxConcurrent: 1 })
      .breaker({ failureThreshold: 1 })
      .retry({ maxAttempts: 3 })
      .fallback((error) => (error instanceof BulkheadFullError ? 'busy' : 'other'))
    let release: () => void = () => {}
    const first = p.execute(() => new Promise<string>((resolve) => (release = () => resolve('first'))))
    expect(await p.execute(async () => 'second')).toBe('busy')
    expect(p.circuit?.stats.consecutiveFailures).toBe(0)
    expect(p.parts.bulkhead?.running).toBe(1)
    release()
    expect(await first).toBe('first')
    expect(p.parts.bulkhead?.running).toBe(0)
  })

  it('the bulkhead slot is held through retries (one logical call, one slot)', async () => {
    const clock = manualClock()
    const p = policy({ clock, random: seededRandom(1) })
      .retry({ maxAttempts: 3, baseMs: 100, jitter: 'none' })
      .bulkhead({ maxConcurrent: 1, maxQueue: 0 })
    let n = 0
    const first = p.execute(async () => {
      if (++n < 3) throw new Error('flaky')
      return 'done'
    })
    await clock.advance(50) // first call is waiting between attempts
    await expect(p.execute(async () => 'x')).rejects.toBeInstanceOf(BulkheadFullError)
    while (await clock.next()) {}
    expect(await first).toBe('done')
  })

  it('the caller’s signal reaches the operation through every part', async () => {
    const clock = manualClock()
    const p = policy({ clock, random: seededRandom(1) })
      .timeout({ ms: 1_000 })
      .retry({ maxAttempts: 3 })
      .breaker()
      .bulkhead({ maxConcurrent: 2 })
    const caller = new AbortController()
    let inner: AbortSignal | undefined
    const answer = p
      .execute((signal) => {
        inner = signal
        return hang()
      }, caller.signal)
      .catch((e: unknown) => e)
    await clock.advance(10)
    caller.abort(new Error('stop'))
    expect(await answer).toMatchObject({ message: 'stop' })
    expect(inner?.aborted).toBe(true)
    expect(p.circuit?.stats.consecutiveFailures).toBe(0)
  })

  it('setting a part again replaces it with fresh state; on() returns an unsubscribe', async () => {
    const clock = manualClock()
    const p = policy({ clock, random: seededRandom(1) }).breaker({ failureThreshold: 1 })
    await p.execute(() => Promise.reject(new Error('x'))).catch(() => {})
    expect(p.circuit?.state).toBe('open')
    const calls: unknown[] = []
    const off = p.on('reject', (e) => calls.push(e))
    await p.execute(() => 1).catch(() => {})
    off()
    await p.execute(() => 1).catch(() => {})
    expect(calls).toHaveLength(1)
    p.breaker({ failureThreshold: 1 })
    expect(p.circuit?.state).toBe('closed')
    expect(await p.execute(() => 'runs again')).toBe('runs again')
  })

  it('DESIGN.md §3 example: a flaky model call gets its answer on the third attempt', async () => {
    const clock = manualClock()
    const call = policy({ clock, random: seededRandom(7) })
      .timeout({ ms: 10_000 })
      .retry({ maxAttempts: 4, baseMs: 200, maxMs: 5_000, jitter: 'full' })
      .breaker({ failureThreshold: 5, resetMs: 30_000 })
      .bulkhead({ maxConcurrent: 4, maxQueue: 32 })
      .fallback(async () => 'cached answer')
    let n = 0
    const answer = call.execute(async (_signal, { attempt }) => {
      n++
      if (attempt < 3) throw new Error('429 rate limited')
      return 'fresh answer'
    })
    while (await clock.next()) {}
    expect(await answer).toBe('fresh answer')
    expect(n).toBe(3)
    expect(call.circuit?.state).toBe('closed')
    expect(RetriesExhaustedError.name).toBe('RetriesExhaustedError')
  })
})
