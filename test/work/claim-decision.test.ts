/**
 * The claim rule on its own: who claims a pending task, who resumes, who
 * takes over, and who must not (minority side, a live claimant, no handler,
 * a run already here, a finished task).
 */
import { describe, expect, it } from 'vitest'
import { deriveTask, type TaskState } from '../../src/work/board-model.ts'
import { type DecisionView, decideClaim } from '../../src/work/claim-decision.ts'
import { rendezvousOwner } from '../../src/work/rendezvous.ts'
import type { TaskEvent } from '../../src/work/task-events.ts'

const id = 'r0000000000000000000000000000abcd'
const members = ['n1', 'n2', 'n3']
const owner = rendezvousOwner(id, members) as string
const other = members.find((m) => m !== owner) as string

function task(...more: TaskEvent[]): TaskState {
  return deriveTask([{ type: 'submitted', id, kind: 'k', payload: null, atMs: 0 }, ...more]) as TaskState
}

function view(self: string, statuses: Record<string, 'alive' | 'suspect' | 'dead'> = {}): DecisionView {
  const peers = members.filter((m) => m !== self).map((m) => ({ id: m, status: statuses[m] ?? 'alive' }))
  const reachable = [self, ...peers.filter((p) => p.status === 'alive').map((p) => p.id)].sort()
  return { self, reachable, majority: reachable.length * 2 > members.length, members: peers }
}

const decide = (t: TaskState, v: DecisionView, extra: Partial<Parameters<typeof decideClaim>[0]> = {}) =>
  decideClaim({ task: t, view: v, policy: 'majority', hasHandler: true, runningHere: false, ...extra })

describe('decideClaim', () => {
  it('lets only the rendezvous owner claim a pending task', () => {
    expect(decide(task(), view(owner))).toEqual({ claim: true, reason: 'pending' })
    expect(decide(task(), view(other))).toEqual({ claim: false, reason: 'not the owner' })
  })

  it('resumes its own stale claim, leaves a live claimant alone, takes over a dead one', () => {
    const claimedBy = (node: string) => task({ type: 'claimed', epoch: 1, node, seq: 0 })
    expect(decide(claimedBy(other), view(other))).toEqual({ claim: true, reason: 'resume' })
    expect(decide(claimedBy(other), view(owner))).toEqual({ claim: false, reason: 'owned' })
    // Suspect: detected, but it may still run under its lease.
    expect(decide(claimedBy(other), view(owner, { [other]: 'suspect' }))).toEqual({
      claim: false,
      reason: 'lease held',
    })
    // With `other` dead, the owner among the live ones takes over.
    const live = members.filter((m) => m !== other)
    const heir = rendezvousOwner(id, live) as string
    const heirView = view(heir, { [other]: 'dead' })
    expect(decide(claimedBy(other), heirView)).toEqual({ claim: true, reason: 'takeover' })
    const notHeir = live.find((m) => m !== heir) as string
    expect(decide(claimedBy(other), view(notHeir, { [other]: 'dead' }))).toEqual({
      claim: false,
      reason: 'not the owner',
    })
  })

  it('claims a pending task above an epoch its unreachable rendezvous owner may hold unseen', () => {
    const live = members.filter((m) => m !== owner)
    const heir = rendezvousOwner(id, live) as string
    // Still inside its lease: the task waits; expired: the heir claims, skipping an epoch.
    expect(decide(task(), view(heir, { [owner]: 'suspect' }))).toEqual({ claim: false, reason: 'lease held' })
    expect(decide(task(), view(heir, { [owner]: 'dead' }))).toEqual({
      claim: true,
      reason: 'pending',
      aboveUnseen: owner,
    })
  })

  it('under majority, claims in the place of an unheard member only once a majority has lost it', () => {
    const claimedBy = (node: string) => task({ type: 'claimed', epoch: 1, node, seq: 0 })
    const live = members.filter((m) => m !== other)
    const heir = rendezvousOwner(id, live) as string
    const heirView = view(heir, { [other]: 'dead' })
    // A takeover: the holder is expired here, but a majority must report it lost too (it may still
    // be heard by a majority, as in a ring, and so still run the task under its lease).
    const stillHeard = (lostId: string) => lostId !== other
    expect(decide(claimedBy(other), heirView, { lostByMajority: stillHeard })).toEqual({
      claim: false,
      reason: 'not lost by a majority',
    })
    expect(decide(claimedBy(other), heirView, { lostByMajority: () => true })).toEqual({
      claim: true,
      reason: 'takeover',
    })
    // A pending task whose rendezvous owner this node does not hear: the same wait.
    const pendingHeir = rendezvousOwner(
      id,
      members.filter((m) => m !== owner),
    ) as string
    const pendingView = view(pendingHeir, { [owner]: 'dead' })
    expect(decide(task(), pendingView, { lostByMajority: (m) => m !== owner })).toEqual({
      claim: false,
      reason: 'not lost by a majority',
    })
    // Availability runs both sides anyway: votes are not asked.
    expect(decide(task(), pendingView, { policy: 'availability', lostByMajority: () => false })).toEqual({
      claim: true,
      reason: 'pending',
    })
    // A member ranked below this node is never asked about.
    const asked: string[] = []
    const ask = (m: string): boolean => {
      asked.push(m)
      return false
    }
    expect(decide(task(), view(owner), { lostByMajority: ask })).toEqual({ claim: true, reason: 'pending' })
    expect(asked).toEqual([])
  })

  it('claims nothing on a minority side under majority, and does under availability', () => {
    const alone = view(owner, Object.fromEntries(members.filter((m) => m !== owner).map((m) => [m, 'dead'])))
    expect(decide(task(), alone)).toEqual({ claim: false, reason: 'minority side' })
    expect(decide(task(), alone, { policy: 'availability' })).toEqual({ claim: true, reason: 'pending' })
  })

  it('never claims a finished task, one without a handler here, or one running here', () => {
    const done = task(
      { type: 'claimed', epoch: 1, node: other, seq: 0 },
      { type: 'completed', epoch: 1, node: other, seq: 1, result: 1 },
    )
    expect(decide(done, view(other))).toEqual({ claim: false, reason: 'finished' })
    expect(decide(task({ type: 'cancelled', node: 'n1', epoch: 0, atMs: 1 }), view(owner))).toEqual({
      claim: false,
      reason: 'finished',
    })
    expect(decide(task(), view(owner), { hasHandler: false })).toEqual({ claim: false, reason: 'no handler' })
    expect(decide(task(), view(owner), { runningHere: true })).toEqual({
      claim: false,
      reason: 'running here',
    })
  })
})
