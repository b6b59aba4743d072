import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  canonicalVector,
  compare,
  distance,
  dominates,
  holds,
  merge,
  missing,
  record,
} from '../../src/sync/version-vector.ts'

const vector = fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd'), fc.integer({ min: 0, max: 20 }))
const runs = { numRuns: 200 }

describe('version vectors', () => {
  it('merge is commutative, associative, idempotent and dominates both inputs', () => {
    fc.assert(
      fc.property(vector, vector, vector, (a, b, c) => {
        expect(canonicalVector(merge(a, b))).toEqual(canonicalVector(merge(b, a)))
        expect(canonicalVector(merge(merge(a, b), c))).toEqual(canonicalVector(merge(a, merge(b, c))))
        expect(canonicalVector(merge(a, a))).toEqual(canonicalVector(a))
        expect(dominates(merge(a, b), a) && dominates(merge(a, b), b)).toBe(true)
      }),
      runs,
    )
  })

  it('compare agrees with dominates and is antisymmetric', () => {
    fc.assert(
      fc.property(vector, vector, (a, b) => {
        const order = compare(a, b)
        const flipped = { equal: 'equal', before: 'after', after: 'before', concurrent: 'concurrent' }[order]
        expect(compare(b, a)).toBe(flipped)
        expect(order === 'equal' || order === 'after').toBe(dominates(a, b))
      }),
      runs,
    )
  })

  it('missing counts exactly what merging would add', () => {
    fc.assert(
      fc.property(vector, vector, (have, want) => {
        const merged = merge(have, want)
        let added = 0
        for (const origin of Object.keys(merged)) added += (merged[origin] ?? 0) - (have[origin] ?? 0)
        expect(distance(have, want)).toBe(added)
        expect(Object.keys(missing(have, want)).length === 0).toBe(dominates(have, want))
      }),
      runs,
    )
  })

  it('record adds a dot once', () => {
    const v = {}
    expect(record(v, { origin: 'a', seq: 3 })).toBe(true)
    expect(record(v, { origin: 'a', seq: 2 })).toBe(false)
    expect(holds(v, { origin: 'a', seq: 3 })).toBe(true)
    expect(holds(v, { origin: 'a', seq: 4 })).toBe(false)
  })

  it('canonical form drops zeros and sorts origins', () => {
    expect(JSON.stringify(canonicalVector({ b: 1, a: 2, c: 0 }))).toBe('{"a":2,"b":1}')
  })
})
