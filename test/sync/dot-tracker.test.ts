import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DotTracker } from '../../src/sync/dot-tracker.ts'

describe('DotTracker', () => {
  it('claims exactly the contiguous prefix of the dots it was given, in any order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.integer({ min: 1, max: 30 })), {
          maxLength: 80,
        }),
        (dots) => {
          const tracker = new DotTracker()
          for (const [origin, seq] of dots) tracker.add({ origin, seq })
          for (const origin of ['a', 'b', 'c']) {
            const seqs = new Set(dots.filter(([o]) => o === origin).map(([, s]) => s))
            let expected = 0
            while (seqs.has(expected + 1)) expected++
            expect(tracker.vector[origin] ?? 0).toBe(expected)
            for (const seq of seqs) expect(tracker.holds({ origin, seq })).toBe(true)
          }
        },
      ),
      { numRuns: 300 },
    )
  })

  it('fills gaps from a vector and absorbs the dots above them', () => {
    const tracker = new DotTracker()
    tracker.add({ origin: 'a', seq: 1 })
    tracker.add({ origin: 'a', seq: 4 })
    tracker.add({ origin: 'a', seq: 5 })
    expect(tracker.vector).toEqual({ a: 1 })
    expect(tracker.hasGaps).toBe(true)
    tracker.addVector({ a: 3 })
    expect(tracker.vector).toEqual({ a: 5 })
    expect(tracker.hasGaps).toBe(false)
    expect(tracker.add({ origin: 'a', seq: 2 })).toBe(false)
  })

  it('moves its version whenever the vector changes, so a cache keyed on it is never stale', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.tuple(fc.constant('dot' as const), fc.constantFrom('a', 'b'), fc.integer({ min: 1, max: 12 })),
            fc.tuple(
              fc.constant('vector' as const),
              fc.constantFrom('a', 'b'),
              fc.integer({ min: 0, max: 12 }),
            ),
          ),
          { maxLength: 60 },
        ),
        (steps) => {
          const tracker = new DotTracker()
          for (const [kind, origin, seq] of steps) {
            const before = { vector: JSON.stringify(tracker.vector), version: tracker.version }
            if (kind === 'dot') tracker.add({ origin, seq })
            else tracker.addVector({ [origin]: seq })
            expect(tracker.version).toBeGreaterThanOrEqual(before.version)
            if (JSON.stringify(tracker.vector) !== before.vector)
              expect(tracker.version).toBeGreaterThan(before.version)
          }
        },
      ),
      { numRuns: 300 },
    )
  })
})
