import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { PhiAccrualDetector, phiOf } from '../../src/membership/phi-accrual.ts'

const options = { heartbeatMs: 250, minStdDeviationMs: 50, acceptablePauseMs: 0 }

describe('phi-accrual detector', () => {
  it('is 0 before any heartbeat and small right after one', () => {
    const d = new PhiAccrualDetector(options)
    expect(d.phi(1_000)).toBe(0)
    d.heartbeat(1_000)
    expect(d.phi(1_000)).toBeLessThan(0.5)
  })

  it('grows monotonically with silence', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 150, max: 350 }), { minLength: 5, maxLength: 300 }),
        fc.array(fc.integer({ min: 0, max: 5_000 }), { minLength: 2, maxLength: 20 }),
        (intervals, probes) => {
          const d = new PhiAccrualDetector(options)
          let t = 0
          for (const interval of intervals) {
            t += interval
            d.heartbeat(t)
          }
          const sorted = [...probes].sort((a, b) => a - b)
          const phis = sorted.map((p) => d.phi(t + p))
          for (let i = 1; i < phis.length; i++) expect(phis[i]).toBeGreaterThanOrEqual(phis[i - 1] as number)
        },
      ),
      { numRuns: 200 },
    )
  })

  it('stays below 8 on a steady 250 ms stream and passes 8 within 1.5 s of the last heartbeat', () => {
    const d = new PhiAccrualDetector(options)
    let t = 0
    for (let i = 0; i < 100; i++) {
      t += 250
      d.heartbeat(t)
      expect(d.phi(t + 240)).toBeLessThan(8)
    }
    expect(d.phi(t + 500)).toBeLessThan(8)
    expect(d.phi(t + 1_500)).toBeGreaterThan(8)
  })

  it('tolerates more silence after a jittery history than after a regular one', () => {
    const regular = new PhiAccrualDetector(options)
    const jittery = new PhiAccrualDetector(options)
    let a = 0
    let b = 0
    for (let i = 0; i < 200; i++) {
      a += 250
      b += i % 2 === 0 ? 50 : 450
      regular.heartbeat(a)
      jittery.heartbeat(b)
    }
    expect(jittery.phi(b + 900)).toBeLessThan(regular.phi(a + 900))
  })

  it('does not take a long gap (a stall, a cut) for the rhythm', () => {
    const d = new PhiAccrualDetector(options)
    let t = 0
    for (let i = 0; i < 50; i++) {
      t += 250
      d.heartbeat(t)
    }
    t += 30_000 // one outage
    d.heartbeat(t)
    for (let i = 0; i < 5; i++) {
      t += 250
      d.heartbeat(t)
    }
    expect(d.phi(t + 1_500)).toBeGreaterThan(8)
  })

  it('ignores duplicated heartbeats', () => {
    const d = new PhiAccrualDetector(options)
    const e = new PhiAccrualDetector(options)
    let t = 0
    for (let i = 0; i < 50; i++) {
      t += 250
      d.heartbeat(t)
      e.heartbeat(t)
      e.heartbeat(t)
    }
    expect(e.phi(t + 700)).toBe(d.phi(t + 700))
  })

  it('rejects bad options', () => {
    expect(() => new PhiAccrualDetector({ ...options, heartbeatMs: 0 })).toThrow(RangeError)
    expect(() => new PhiAccrualDetector({ ...options, minStdDeviationMs: -1 })).toThrow(RangeError)
  })

  it('phiOf is finite and capped far in the tail', () => {
    expect(phiOf(1e9, 250, 10)).toBe(1000)
    expect(phiOf(250, 250, 50)).toBeCloseTo(0.301, 2)
  })
})
