import { describe, expect, it } from 'vitest'
import { ScenarioError } from '../../sim/errors.ts'
import { drawLatencyMs, toLatencyModel } from '../../sim/latency.ts'
import { seededRandom } from '../../src/env/seeded-random.ts'

function draws(option: unknown, n = 20_000): number[] {
  const model = toLatencyModel(option)
  const random = seededRandom(11)
  return Array.from({ length: n }, () => drawLatencyMs(model, random))
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
const quantile = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))] as number

describe('latency distributions', () => {
  it('uniform [min, max]: stays in range, mean in the middle', () => {
    const xs = draws([10, 30])
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(10)
    expect(Math.max(...xs)).toBeLessThanOrEqual(30)
    expect(mean(xs)).toBeCloseTo(20, 0)
  })

  it('normal: mean and spread as asked, clamped to [minMs, maxMs]', () => {
    const xs = draws({ kind: 'normal', meanMs: 50, stddevMs: 10 })
    expect(mean(xs)).toBeCloseTo(50, 0)
    const sd = Math.sqrt(mean(xs.map((x) => (x - 50) ** 2)))
    expect(sd).toBeGreaterThan(9.5)
    expect(sd).toBeLessThan(10.5)
    const clamped = draws({ kind: 'normal', meanMs: 5, stddevMs: 10, minMs: 1, maxMs: 12 })
    expect(Math.min(...clamped)).toBe(1)
    expect(Math.max(...clamped)).toBe(12)
  })

  it('pareto: long-tailed above minMs, median minMs × 2^(1/alpha), capped', () => {
    const xs = draws({ kind: 'pareto', minMs: 4, alpha: 1.5, maxMs: 5000 })
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(4)
    expect(Math.max(...xs)).toBeLessThanOrEqual(5000)
    expect(quantile(xs, 0.5)).toBeCloseTo(4 * 2 ** (1 / 1.5), 0)
    // The tail: the 99.9th percentile is far above the median.
    expect(quantile(xs, 0.999)).toBeGreaterThan(20 * quantile(xs, 0.5))
  })

  it('draws the same values from the same seed', () => {
    expect(draws([1, 100], 50)).toEqual(draws([1, 100], 50))
  })

  it('rejects bad options naming the field', () => {
    expect(() => toLatencyModel([5, 1])).toThrow(ScenarioError)
    expect(() => toLatencyModel([5, 1])).toThrow(/network\.latencyMs: maxMs 1 is below minMs 5/)
    expect(() => toLatencyModel({ kind: 'normal', meanMs: -1, stddevMs: 1 })).toThrow(/latencyMs\.meanMs/)
    expect(() => toLatencyModel({ kind: 'pareto', minMs: 1, alpha: 0 })).toThrow(/latencyMs\.alpha/)
    expect(() => toLatencyModel({ kind: 'gamma' })).toThrow(/network\.latencyMs: expected/)
  })
})
