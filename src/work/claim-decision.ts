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
 *   minority side  under `majority`, a side without the majority claims nothing,
 *                  fresh tasks included: the other side may own them too.
 *   pending        never claimed: claimed by its rendezvous owner among the live members.
 *   resume         claimed by this node, but no run here (the node restarted): a
 *                  new claim, resuming from the last checkpoint.
 *   takeover       claimed by a node now 'dead' in this view, and
 *                  this node is the rendezvous owner among the live members.
 *   owned          claimed by a live node: its run continues.
 *
 * LEASES (not done, issue 10's second half): 'dead' comes deadAfterMs
 * (20 heartbeats, 5 s at defaults) after a node goes silent, which is longer
 * than detection + leaseMs, so a takeover here never overlaps a run that its
 * owner aborts on losing the majority within leaseMs; but it is slower than
 * DESIGN's bound. The next step replaces `claimantDead` with "unreachable
 * since ≥ detection + leaseMs" and makes the minority abort its runs.
 */
import type { TaskState } from './board-model.ts'
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
  | 'minority side'
  | 'not the owner'
  | 'owned'

export type ClaimDecision = { claim: true; reason: ClaimReason } | { claim: false; reason: SkipReason }

/** Whether `view.self` should claim `task` now, and why (see the file header). */
export function decideClaim(input: {
  task: TaskState
  view: DecisionView
  policy: 'majority' | 'availability'
  hasHandler: boolean
  runningHere: boolean
  weights?: ReadonlyMap<string, number>
}): ClaimDecision {
  const { task, view } = input
  if (task.status === 'completed' || task.status === 'failed' || task.status === 'cancelled')
    return skip('finished')
  if (task.status === 'compensating') return skip('compensating')
  if (!input.hasHandler) return skip('no handler')
  if (input.runningHere) return skip('running here')
  if (input.policy === 'majority' && !view.majority) return skip('minority side')
  const isOwner = (): boolean => rendezvousOwner(task.id, view.reachable, input.weights) === view.self
  if (task.status === 'pending') return isOwner() ? claim('pending') : skip('not the owner')
  if (task.owner === view.self) return claim('resume')
  if (!claimantDead(task.owner, view)) return skip('owned')
  return isOwner() ? claim('takeover') : skip('not the owner')
}

/**
 * The claimant is declared dead in this view. A claimant this node does not
 * know is not taken to be dead: it may have joined through another member
 * and not be heard here yet. (A forgotten node's tasks: next engineer, from
 * the membership's forgotten list.)
 */
function claimantDead(owner: string | undefined, view: DecisionView): boolean {
  if (owner === undefined) return true
  return view.members.find((m) => m.id === owner)?.status === 'dead'
}

const claim = (reason: ClaimReason): ClaimDecision => ({ claim: true, reason })
const skip = (reason: SkipReason): ClaimDecision => ({ claim: false, reason })
