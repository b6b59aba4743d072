import { describe, expect, it } from 'vitest'
import { silentLogger } from '../../src/env/logger.ts'
import { seededRandom } from '../../src/env/seeded-random.ts'
import type { Env } from '../../src/env/types.ts'
import type { HeartbeatFrame, Reachability } from '../../src/membership/heartbeat-frame.ts'
import { Membership } from '../../src/membership/membership.ts'

const heartbeatMs = 250
const options = {
  heartbeatMs,
  phiThreshold: 8,
  minStdDeviationMs: 50,
  acceptablePauseMs: 250,
  deadAfterMs: 5_000,
}

/** Node a with members b and c: b heartbeats every 250 ms reporting `reach`; c is silent. Returns a's view of each. */
function runWithReports(reach: HeartbeatFrame['reach'], forMs: number): Map<string, Reachability> {
  let nowMs = 0
  const env: Env = {
    clock: { now: () => nowMs, setTimer: () => ({ cancel() {} }) },
    random: seededRandom(1),
    log: silentLogger,
  }
  const events = {
    member() {},
    partition() {},
    heal() {},
    membersChanged() {},
  }
  const membership = new Membership('a', env, options, events, [
    { id: 'b', addresses: [] },
    { id: 'c', addresses: [] },
  ])
  for (let seq = 1; nowMs < forMs; seq++) {
    nowMs += heartbeatMs
    membership.onHeartbeat('b', { type: 'heartbeat', seq, digest: 0, contentDigest: 0, members: [], reach })
    membership.tick()
  }
  return new Map(membership.view().members.map((m) => [m.id, m.status]))
}

describe('Membership', () => {
  it('keeps a silent member suspect while a peer it hears reports it alive, else declares it dead', () => {
    expect(runWithReports([{ peer: 'c', status: 'alive' }], 10_000).get('c')).toBe('suspect')
    expect(runWithReports([{ peer: 'c', status: 'dead' }], 10_000).get('c')).toBe('dead')
    expect(runWithReports([], 10_000).get('c')).toBe('dead')
  })

  it('takes the last word of a heartbeat that names a member twice', () => {
    const aliveThenDead: HeartbeatFrame['reach'] = [
      { peer: 'c', status: 'alive' },
      { peer: 'c', status: 'dead' },
    ]
    const deadThenAlive: HeartbeatFrame['reach'] = [
      { peer: 'c', status: 'dead' },
      { peer: 'c', status: 'alive' },
    ]
    expect(runWithReports(aliveThenDead, 10_000).get('c')).toBe('dead')
    expect(runWithReports(deadThenAlive, 10_000).get('c')).toBe('suspect')
  })
})
