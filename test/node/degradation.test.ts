/**
 * The degradation holder: each input's level and reason, the worst level
 * winning, user reasons, and a change reported only when something changed.
 */
import { describe, expect, it } from 'vitest'
import { type Degradation, DegradationState, USER_REASONS_MAX } from '../../src/node/degradation.ts'

function holder() {
  const changes: Degradation[] = []
  const state = new DegradationState((d) => changes.push(d))
  return { state, changes }
}

const healthy = { majority: true, reachablePeers: 4, knownPeers: 4 }

describe('degradation', () => {
  it('starts full, and a healthy membership changes nothing', () => {
    const { state, changes } = holder()
    state.membership(healthy)
    state.membership(healthy)
    expect(state.current).toEqual({ level: 'full', reasons: [] })
    expect(changes).toEqual([])
  })

  it('minority side → degraded; no reachable peer → minimal; heal → full, one change each', () => {
    const { state, changes } = holder()
    state.membership({ majority: false, reachablePeers: 1, knownPeers: 4 })
    state.membership({ majority: false, reachablePeers: 1, knownPeers: 4 })
    state.membership({ majority: false, reachablePeers: 0, knownPeers: 4 })
    state.membership(healthy)
    expect(changes).toEqual([
      { level: 'degraded', reasons: ['minority side'] },
      { level: 'minimal', reasons: ['minority side', 'no reachable peer'] },
      { level: 'full', reasons: [] },
    ])
  })

  it('a lone node that knows no other member is not "without a peer"', () => {
    const { state } = holder()
    state.membership({ majority: true, reachablePeers: 0, knownPeers: 0 })
    expect(state.current.level).toBe('full')
  })

  it('an open breaker → degraded; every handler kind’s breaker open → minimal', () => {
    const { state, changes } = holder()
    state.handlerKinds(['summarize', 'embed'])
    state.breaker('summarize', true)
    expect(state.current).toEqual({ level: 'degraded', reasons: ['breaker open: summarize'] })
    state.breaker('embed', true)
    expect(state.current).toEqual({
      level: 'minimal',
      reasons: ['breaker open: embed', 'breaker open: summarize', 'every breaker open'],
    })
    state.breaker('summarize', false)
    state.breaker('embed', false)
    expect(changes.map((c) => c.level)).toEqual(['degraded', 'minimal', 'degraded', 'full'])
  })

  it('user reasons: degrade(reason[, level]) and restore(reason), in the order added', () => {
    const { state, changes } = holder()
    state.degrade('quota low')
    state.degrade('quota low') // no change
    state.degrade('read-only maintenance', 'minimal')
    expect(state.current).toEqual({ level: 'minimal', reasons: ['quota low', 'read-only maintenance'] })
    state.restore('read-only maintenance')
    state.restore('never added')
    expect(state.current).toEqual({ level: 'degraded', reasons: ['quota low'] })
    state.restore('quota low')
    expect(changes).toHaveLength(4)
    expect(state.current.level).toBe('full')
  })

  it('bounds user reasons', () => {
    const { state } = holder()
    for (let i = 0; i < USER_REASONS_MAX; i++) state.degrade(`r${i}`)
    expect(() => state.degrade('one more')).toThrow(RangeError)
    state.degrade('r0') // already there: fine
  })

  it('hands out copies: a caller mutating one cannot change the state', () => {
    const { state } = holder()
    state.degrade('x')
    state.current.reasons.push('y')
    expect(state.current.reasons).toEqual(['x'])
  })
})
