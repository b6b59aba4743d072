/**
 * Settlement (DESIGN §4, after healing): what a task's events say must still
 * be undone, and which node does it. Pure functions of the derived state and
 * the node's view, so every node that holds the same events and sees the same
 * members names the same compensator.
 *
 * What is due, per task:
 *   run      a completed run that lost (a duplicate, board-model.ts) and has no
 *            `compensated` event for its token: the handler's `compensate`
 *            undoes it, exactly once.
 *   step     a step result of a run that stopped before completing (crash,
 *            lease loss, abort) which a later run never saw: the later run
 *            has a step of the same name, so it ran it again instead of
 *            replaying (a replay writes nothing). Undone with the step's own
 *            `compensate`, the stopped run's steps in reverse order.
 *   saga     the winning run failed for good (status 'compensating') but no run
 *            here is undoing its steps (its node crashed mid-saga): its
 *            journaled steps not yet compensated, in reverse, then `failed`.
 *
 * Who does it: the run's own node while it is reachable (or is this node);
 * else the node of the winning claim; else the rendezvous owner among the
 * reachable members. Anyone but the run's own node waits until that node is
 * `dead` in its view (no peer it hears still hears it: membership's gossiped
 * reachability) and its lease expired (leases.ts). Unreachable is not
 * enough: under a partition that is not transitive (a majorities ring, a
 * bridge) the run's node is out of reach here yet alive and compensating
 * itself, and two nodes would both run the compensation. Should they anyway
 * (views that still disagree), the `compensated` event's id leaves out who
 * did it (task-events.ts), so the board records one compensation.
 */
import type { TaskState } from './board-model.ts'
import { stepKey } from './board-model.ts'
import { compareTokens, highestToken, type RunToken, sameToken } from './fencing.ts'
import type { PeerLease } from './leases.ts'
import { rendezvousOwner } from './rendezvous.ts'
import type { StepDoneEvent } from './task-events.ts'

/** One thing to undo. */
export type DueCompensation =
  | { type: 'run'; run: RunToken; result: unknown }
  | { type: 'step'; run: RunToken; step: string; seq: number; result: unknown }

/** The part of the view the choice of compensator reads. */
export interface SettlementView {
  self: string
  reachable: readonly string[]
  peerLeases: ReadonlyMap<string, PeerLease>
  /** Members this node's view calls `dead` (no peer it hears still hears them). */
  dead: readonly string[]
}

/** Whether anything about the task is left to settle (for the board's index of unsettled tasks). */
export function needsSettlement(state: TaskState): boolean {
  return state.status === 'compensating' || dueCompensations(state).length > 0
}

/**
 * Duplicates and unseen steps not yet compensated, in the order to undo them:
 * the latest run first, and a run's steps in reverse.
 */
export function dueCompensations(state: TaskState): DueCompensation[] {
  const due: Array<DueCompensation & { seq: number }> = []
  for (const dup of state.duplicates)
    if (!dup.compensated)
      due.push({ type: 'run', run: { epoch: dup.epoch, node: dup.node }, result: dup.result, seq: -1 })
  const completedRuns = state.history.filter((e) => e.type === 'completed') as RunToken[]
  for (const step of supersededSteps(state)) {
    if (completedRuns.some((c) => sameToken(c, step))) continue // undone with its whole run
    if (state.compensatedSteps.has(stepKey(step, step.name))) continue
    const run = { epoch: step.epoch, node: step.node }
    due.push({ type: 'step', run, step: step.name, seq: step.seq, result: step.result })
  }
  due.sort((a, b) => compareTokens(b.run, a.run) || b.seq - a.seq)
  return due.map((d) => (d.type === 'run' ? { type: d.type, run: d.run, result: d.result } : d))
}

/**
 * The journaled steps of a saga to finish: the steps the failing run passed
 * through (the journal), not yet compensated, in reverse order of when they
 * were done.
 */
export function sagaSteps(state: TaskState): StepDoneEvent[] {
  return [...state.steps.values()]
    .filter((s) => !state.compensatedSteps.has(stepKey(s, s.name)))
    .sort((a, b) => compareTokens(b, a) || b.seq - a.seq)
}

/** Step results some later run ran again: every stepDone but the journal's one, per name. */
function supersededSteps(state: TaskState): StepDoneEvent[] {
  const out: StepDoneEvent[] = []
  for (const event of state.history) {
    if (event.type !== 'stepDone') continue
    const journal = state.steps.get(event.name)
    if (journal !== undefined && !sameToken(journal, event)) out.push(event)
  }
  return out
}

/**
 * The node that compensates what `run` did (see the file header), or
 * undefined when nobody may yet: the run's node is out of reach but its lease
 * has not expired here.
 */
export function compensatorOf(state: TaskState, run: RunToken, view: SettlementView): string | undefined {
  const reachable = (id: string): boolean => id === view.self || view.reachable.includes(id)
  if (reachable(run.node)) return run.node
  if (!view.dead.includes(run.node)) return undefined
  const lease = view.peerLeases.get(run.node)
  if (lease !== undefined && lease !== 'expired') return undefined
  const winner = highestToken(state.claims)
  if (winner !== undefined && reachable(winner.node)) return winner.node
  return rendezvousOwner(state.id, view.reachable)
}
