/**
 * Fencing: whatever the claims and results, the accepted result is the one
 * of the highest claim; a result written under a lower epoch is never
 * accepted over a higher epoch's claim, and a new claim is always above
 * every earlier one.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compareTokens, highestToken, isAccepted, nextEpoch } from '../../src/work/fencing.ts'

const params = { seed: 1012, numRuns: 500 }
const token = fc.record({ epoch: fc.integer({ min: 1, max: 6 }), node: fc.constantFrom('n1', 'n2', 'n3') })

describe('fencing tokens', () => {
  it('never accepts a lower epoch result while a higher epoch is claimed', () => {
    fc.assert(
      fc.property(fc.array(token, { minLength: 1, maxLength: 8 }), token, (claims, result) => {
        const all = [...claims, result] // a result's run claimed first
        const top = Math.max(...all.map((c) => c.epoch))
        if (result.epoch < top) expect(isAccepted(result, all)).toBe(false)
        const accepted = all.filter((c) => isAccepted(c, all))
        for (const a of accepted) expect(a).toEqual(highestToken(all))
      }),
      params,
    )
  })

  it('gives each new claim an epoch above every earlier one', () => {
    fc.assert(
      fc.property(fc.array(token, { maxLength: 8 }), fc.constantFrom('n1', 'n2', 'n3'), (claims, node) => {
        const claim = { epoch: nextEpoch(claims), node }
        for (const c of claims) expect(compareTokens(claim, c)).toBeGreaterThan(0)
        expect(isAccepted(claim, [...claims, claim])).toBe(true)
      }),
      params,
    )
  })

  it('breaks a tie in one epoch by node id, the same on every replica', () => {
    const a = { epoch: 3, node: 'n1' }
    const b = { epoch: 3, node: 'n2' }
    expect(highestToken([a, b])).toEqual(b)
    expect(highestToken([b, a])).toEqual(b)
    expect(isAccepted(a, [a, b])).toBe(false)
  })
})
