/**
 * The resend timeout of a peer not measured yet is borrowed from the peers
 * that are (round-trip.ts): the largest of their timeouts, capped at
 * RTO_INITIAL_MS; only with nothing measured does RTO_INITIAL_MS apply.
 */
import { describe, expect, it } from 'vitest'
import { RoundTrip, RoundTrips, RTO_INITIAL_MS, RTO_MIN_MS } from '../../src/sync/round-trip.ts'

describe('RoundTrips', () => {
  it('uses the default before any peer is measured', () => {
    expect(new RoundTrips().timeoutMs('n2')).toBe(RTO_INITIAL_MS)
  })

  it("borrows the slowest measured peer's timeout for an unmeasured one, backing off the same way", () => {
    const rtts = new RoundTrips()
    rtts.sample('n2', 20) // 20 + 4·10 = 60
    rtts.sample('n3', 30) // 30 + 4·15 = 90
    expect(rtts.timeoutMs('n2')).toBe(60)
    expect(rtts.timeoutMs('n4')).toBe(90)
    expect(rtts.timeoutMs('n4', 1)).toBe(180)
    expect(rtts.measured('n4')).toBe(false)
  })

  it('never borrows more than the default, nor goes under the floor', () => {
    const slow = new RoundTrips()
    slow.sample('n2', 400)
    expect(slow.timeoutMs('n3')).toBe(RTO_INITIAL_MS)
    const fast = new RoundTrips()
    fast.sample('n2', 1)
    expect(fast.timeoutMs('n3')).toBe(RTO_MIN_MS)
  })

  it("keeps a peer's own estimate once it has one", () => {
    const rtts = new RoundTrips()
    rtts.sample('n2', 30)
    rtts.sample('n3', 10)
    const own = new RoundTrip()
    own.sample(10)
    expect(rtts.timeoutMs('n3')).toBe(own.timeoutMs())
  })
})
