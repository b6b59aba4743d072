/**
 * Whether this node should claim a task now: a pure function of the task's
 * derived state, this node's view and what runs here, so the runner's
 * control flow stays in runner.ts and the rule can be tested alone.
 *
 * The rules, checked in order (the first that answers decides):
 *
 *   finished       completed, failed or cancelled: nothing to run.
 *   compensating   the winning run is undoing its steps: not a claim (next engineer: sagas).
 *   no handler     no handler for the kind here: leave it to a node that has one.
 *   running here   a run of it is in this process already.
 *   rejoining      this node just started, or came back to the majority after losing its
 *                  lease: no claims for leaseMs, while the board's news reaches it (leases.ts).
 *   minority side  under `majority`, a side without the majority (or whose own lease is not
 *                  held) claims nothing, fresh tasks included: the other side may own them too.
 *   no capacity    the kind's bulkhead is full here: the task waits (pending, or its claim
 *                  stays) until a slot frees; it is never dropped.
 *   pending        never claimed: claimed by its rendezvous owner among the candidates (the
 *                  reachable members and the peers still inside their lease, see leases.ts);
 *                  when that owner is such a peer, the task waits ('lease held'). When the owner
 *                  among every known member is a peer whose lease expired here, that peer may
 *                  have claimed the task unseen (its claim cut off with it): under `majority` the
 *                  claim skips an epoch (`aboveUnseen`), so no epoch is claimed twice and, after
 *                  the heal, this run outranks the unseen one by epoch, not by a tie on node ids.
 *   resume         claimed by this node, but no run here (the node restarted, or its run was
 *                  stopped by a lost lease): a new claim, resuming from the last checkpoint.
 *   owned          claimed by a reachable node (or one this node does not know): its run continues.
 *   lease held     claimed by a peer unreachable for less than leaseMs: it may still run.
 *   takeover       claimed by a peer whose lease expired here (unreachable ≥ leaseMs, on
 *                  this node's clock), and this node is the rendezvous owner among the candidates.
 *   not lost by a majority
 *                  under `majority`, before a pending or takeover claim: the holder, and every
 *                  member that outranks this node for the task (out of its sight, or it would
 *                  be the owner), must be reported not alive by a strict majority
 *                  (src/membership/quorum.ts). Under a non-transitive partition a member this
 *                  node lost may still be heard by a majority and hold its lease.
 *
 * Leases replaced the first half's "the claimant is 'dead'" rule: detection +
 * leaseMs (1.x s at defaults) instead of deadAfterMs (5 s), and safe for the
 * reason given in leases.ts.
 */
import type { TaskState } from './board-model.ts'
import type { OwnLease, PeerLease } from './leases.ts'
import { rendezvousOwner } from './rendezvous.ts'

/** The parts of the node's view the decision reads. */
export interface DecisionView {
  self: string
  /** Members heard directly, and self: the candidates for ownership. */
  reachable: readonly string[]
  majority: boolean
  /** Every known member's reachability (self excluded). */
  members: ReadonlyArray<{ id: string; status: 'alive' | 'suspect' | 'dead' }>
}

export type ClaimReason = 'pending' | 'resume' | 'takeover'
export type SkipReason =
  | 'finished'
  | 'compensating'
  | 'no handler'
  | 'running here'
  | 'rejoining'
  | 'minority side'
  | 'no capacity'
  | 'not the owner'
  | 'owned'
  | 'lease held'
  | 'not lost by a majority'

export type ClaimDecision =
  /** `aboveUnseen`: the unreachable peer that may hold an unseen claim; the claim skips an epoch. */
  { claim: true; reason: ClaimReason; aboveUnseen?: string } | { claim: false; reason: SkipReason }

/** Whether `view.self` should claim `task` now, and why (see the file header). */
export function decideClaim(input: {
  task: TaskState
  view: DecisionView
  policy: 'majority' | 'availability'
  hasHandler: boolean
  runningHere: boolean
  weights?: ReadonlyMap<string, number>
  /** This node's own lease (default 'held'). */
  ownLease?: OwnLease
  /** Peers' leases as this node sees them (default: from their status, 'dead' counting as expired). */
  peerLeases?: ReadonlyMap<string, PeerLease>
  /** Whether the kind's bulkhead here takes another run (default true). */
  hasCapacity?: boolean
  /**
   * Whether a strict majority reports `id` as not alive (src/membership/quorum.ts); default:
   * always, which is this node's own view alone. Under `majority` a claim in the place of a
   * member this node does not hear (the holder taken over, or a member that outranks this
   * node for the task) waits for it: under a non-transitive partition that member may still
   * be heard by a majority, and so still hold its lease and run the task.
   */
  lostByMajority?: (id: string) => boolean
}): ClaimDecision {
  const { task, view } = input
  if (task.status === 'completed' || task.status === 'failed' || task.status === 'cancelled')
    return skip('finished')
  if (task.status === 'compensating') return skip('compensating')
  if (!input.hasHandler) return skip('no handler')
  if (input.runningHere) return skip('running here')
  const ownLease = input.ownLease ?? 'held'
  if (ownLease === 'rejoining') return skip('rejoining')
  if (input.policy === 'majority' && (!view.majority || ownLease !== 'held')) return skip('minority side')
  if (input.hasCapacity === false) return skip('no capacity')
  const leases = input.peerLeases ?? leasesFromStatus(view)
  const candidates = [...view.reachable, ...[...leases].flatMap(([id, l]) => (l === 'detected' ? [id] : []))]
  const heir = (): ClaimDecision => {
    const owner = rendezvousOwner(task.id, candidates, input.weights)
    if (owner === view.self && input.policy === 'majority' && !lostByAMajority(input, task)) {
      return skip('not lost by a majority')
    }
    if (owner === view.self && task.status !== 'pending') return claim('takeover')
    if (owner === view.self) {
      // Under 'availability' both sides run a task anyway and a tie is settled as a duplicate.
      if (input.policy !== 'majority') return claim('pending')
      // The owner among every known member: the candidates and the peers whose lease expired here.
      const known = [view.self, ...view.members.map((m) => m.id)]
      const first = rendezvousOwner(task.id, known, input.weights)
      if (first === undefined || first === view.self) return claim('pending')
      return { claim: true, reason: 'pending', aboveUnseen: first }
    }
    return skip(owner !== undefined && leases.get(owner) === 'detected' ? 'lease held' : 'not the owner')
  }
  if (task.status === 'pending') return heir()
  if (task.owner === view.self) return claim('resume')
  const lease = task.owner === undefined ? 'expired' : leases.get(task.owner)
  if (lease === undefined || lease === 'reachable') return skip('owned')
  if (lease === 'detected') return skip('lease held')
  return heir()
}

/**
 * Whether every member this node claims in the place of is lost by a majority: the holder
 * it takes over from, and each known member that outranks this node for the task (this node
 * is the owner among its candidates only, so those are all out of its sight).
 */
function lostByAMajority(input: Parameters<typeof decideClaim>[0], task: TaskState): boolean {
  const lost = input.lostByMajority
  if (lost === undefined) return true
  const self = input.view.self
  if (task.status !== 'pending' && task.owner !== undefined && task.owner !== self && !lost(task.owner))
    return false
  for (const { id } of input.view.members) {
    if (rendezvousOwner(task.id, [self, id], input.weights) === id && !lost(id)) return false
  }
  return true
}

/** Leases read from the members' status alone: for callers without a LeaseTracker (tests, tools). */
function leasesFromStatus(view: DecisionView): Map<string, PeerLease> {
  const status = { alive: 'reachable', suspect: 'detected', dead: 'expired' } as const
  return new Map(view.members.map((m) => [m.id, status[m.status]]))
}

const claim = (reason: ClaimReason): ClaimDecision => ({ claim: true, reason })
const skip = (reason: SkipReason): ClaimDecision => ({ claim: false, reason })
