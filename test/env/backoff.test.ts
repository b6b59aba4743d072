/**
 * The one backoff schedule (src/env/backoff.ts): each jitter mode's range,
 * one draw per delay, and full jitter inside [0, min(maxMs, baseMs·2^n)] for
 * arbitrary options (fast-check; a failure prints its seed and path).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { backoffCeilingMs, backoffDelayMs, seededRandom } from '../../src/env/index.ts'
import type { Random } from '../../src/env/types.ts'

const fixed = (value: number): Random => ({
  next: () => value,
  bytes: (n) => new Uint8Array(n),
  fork: () => fixed(value),
})

/** Counts the numbers drawn. */
function counting(inner: Random): Random & { draws: number } {
  const r = {
    draws: 0,
    next: () => {
      r.draws++
      return inner.next()
    },
    bytes: inner.bytes,
    fork: inner.fork,
  }
  return r
}

describe('backoff schedule', () => {
  const options = { baseMs: 100, maxMs: 1_000 }

  it('none: doubles from baseMs and stops at maxMs, drawing nothing', () => {
    const random = counting(seededRandom(1))
    const waits = [0, 1, 2, 3, 4, 30, 5_000].map((n) =>
      backoffDelayMs(n, { ...options, jitter: 'none' }, random),
    )
    expect(waits).toEqual([100, 200, 400, 800, 1_000, 1_000, 1_000])
    expect(random.draws).toBe(0)
  })

  it('full: spans [0, ceiling) with one draw', () => {
    expect(backoffDelayMs(2, { ...options, jitter: 'full' }, fixed(0))).toBe(0)
    expect(backoffDelayMs(2, { ...options, jitter: 'full' }, fixed(0.5))).toBe(200)
    const random = counting(seededRandom(2))
    backoffDelayMs(3, options, random) // 'full' is the default
    expect(random.draws).toBe(1)
  })

  it('equal: half fixed, half drawn (what the redialers use)', () => {
    expect(backoffDelayMs(0, { ...options, jitter: 'equal' }, fixed(0))).toBe(50)
    expect(backoffDelayMs(3, { ...options, jitter: 'equal' }, fixed(0.5))).toBe(600)
    expect(backoffDelayMs(9, { ...options, jitter: 'equal' }, fixed(0.999_999))).toBeCloseTo(1_000, 2)
  })

  it('decorrelated: in [baseMs, 3·previous) and never above maxMs', () => {
    const o = { ...options, jitter: 'decorrelated' as const }
    expect(backoffDelayMs(0, o, fixed(0))).toBe(100)
    expect(backoffDelayMs(0, o, fixed(0.5))).toBe(200) // previous defaults to baseMs: [100, 300)
    expect(backoffDelayMs(1, o, fixed(0.5), 200)).toBe(350) // [100, 600)
    expect(backoffDelayMs(5, o, fixed(0.999), 900)).toBe(1_000)
    const random = seededRandom(3)
    let previous: number | undefined
    for (let n = 0; n < 200; n++) {
      const ms = backoffDelayMs(n, o, random, previous)
      expect(ms).toBeGreaterThanOrEqual(100)
      expect(ms).toBeLessThanOrEqual(1_000)
      expect(ms).toBeLessThan(3 * (previous ?? 100))
      previous = ms
    }
  })

  it('ceiling never overflows for huge attempt numbers', () => {
    expect(backoffCeilingMs(1e9, { baseMs: 1, maxMs: 5 })).toBe(5)
    expect(backoffCeilingMs(-3, { baseMs: 7, maxMs: 50 })).toBe(7)
  })

  it('full jitter stays within [0, min(maxMs, baseMs·2^n)] for arbitrary options (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.integer({ min: 0, max: 80 }),
        fc.integer(),
        (baseMs, extraMs, attempt, seed) => {
          const o = { baseMs, maxMs: baseMs + extraMs, jitter: 'full' as const }
          const ms = backoffDelayMs(attempt, o, seededRandom(seed))
          const bound = Math.min(o.maxMs, baseMs * 2 ** attempt)
          return ms >= 0 && ms <= bound && (bound === 0 || ms < bound)
        },
      ),
    )
  })
})
