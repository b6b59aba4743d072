/**
 * Pulls (pulls.ts): replies that bring nothing do not keep a pull alive. An
 * Automerge peer that lost a message keeps answering with empty messages
 * forever; before, each of them re-armed the resend timer, so the pull sat
 * there until SYNC_ROUNDS_MAX (bench #9 seed 26: ~700 ms of ping-pong).
 */
import { describe, expect, it } from 'vitest'
import { silentLogger } from '../../src/env/logger.ts'
import { seededRandom } from '../../src/env/seeded-random.ts'
import { PULL_IDLE_REPLIES_MAX, type PullEnd, Pulls } from '../../src/sync/pulls.ts'
import { ManualClock } from './replicator-harness.ts'

const TIMEOUT_MS = 100

function pullsOn(clock: ManualClock) {
  const resends: number[] = []
  const ended: PullEnd[] = []
  const pulls = new Pulls({
    env: { clock, random: seededRandom(1), log: silentLogger },
    timeoutMs: () => TIMEOUT_MS,
    resend: (_doc, _peer, attempt) => resends.push(attempt),
    ended: (_doc, _peer, how) => ended.push(how),
    sample: () => {},
  })
  return { pulls, resends, ended }
}

describe('Pulls', () => {
  it('restarts a conversation whose replies bring nothing, at once', () => {
    const clock = new ManualClock()
    const { pulls, resends } = pullsOn(clock)
    expect(pulls.claim('plan', 'n2', { n2: 3 })).toBe(true)
    pulls.sent('plan')
    clock.advance(20)
    pulls.progress('plan', 'n2', false) // the first reply may carry nothing (heads only)
    for (let i = 1; i < PULL_IDLE_REPLIES_MAX; i++) pulls.progress('plan', 'n2', false)
    expect(resends).toEqual([])
    pulls.progress('plan', 'n2', false)
    expect(resends).toEqual([1])
  })

  it('lets replies that bring something keep the pull alive, and empty ones not', () => {
    const clock = new ManualClock()
    const { pulls, resends } = pullsOn(clock)
    pulls.claim('plan', 'n2')
    pulls.sent('plan')
    clock.advance(60)
    pulls.progress('plan', 'n2', true) // re-armed: due at 160
    clock.advance(150)
    expect(resends).toEqual([])
    pulls.progress('plan', 'n2', false) // does not re-arm
    clock.advance(161)
    expect(resends).toEqual([1])
  })

  it('reports how each pull ended, and holds the vector it was started for', () => {
    const clock = new ManualClock()
    const { pulls, ended } = pullsOn(clock)
    pulls.claim('plan', 'n2', { n2: 3 })
    expect(pulls.targetOf('plan')).toEqual({ n2: 3 })
    pulls.sent('plan')
    pulls.done('plan', 'n2')
    pulls.claim('notes', 'n3')
    pulls.sent('notes')
    pulls.dropPeer('n3')
    expect(ended).toEqual(['done', 'dropped'])
  })
})
