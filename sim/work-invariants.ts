/**
 * The work invariants of DESIGN §4 and §5 over real nodes, which
 * `sim.check()` includes by default with real nodes (beside the document
 * invariants of agent-invariants.ts). Those evaluated at quiescence:
 *
 *   no-lost-task         every task submitted (acknowledged by the workload,
 *                        or on any board) is on every running node and has
 *                        ended there: completed, failed or cancelled;
 *   one-result           a completed task has exactly one accepted result,
 *                        the same on every node, written by a run that did
 *                        return it (when the simulator recorded the task's runs);
 *   compensated-once     every run that completed but lost (a duplicate) was
 *                        compensated exactly once, on the board and by its
 *                        handler, and no other run was; each compensated step
 *                        was done by its run, and undone at most once;
 *   checkpoints-forward  within a run (one epoch), checkpoints that carry
 *                        `progress` never go backwards.
 *
 * The ones that watch every step (fencing never goes backwards, no
 * overlapping runs under `majority`) are in work-watchers.ts. Tasks are
 * read through the public API (`node.tasks.list()`, with `history`).
 */
import { canonicalJson } from '../crdt/canonical.ts'
import type { CheckpointEvent, CompensatedEvent, CompletedEvent } from '../src/work/task-events.ts'
import { isTerminal } from '../src/work/task-lifecycle.ts'
import type { TaskInfo } from '../src/work/types.ts'
import type { Invariant } from './checkers.ts'
import type { HandlerRun, SubmittedTask } from './work-ledger.ts'
import { fencingMonotone, noOverlappingRuns } from './work-watchers.ts'

/** What these invariants read from a simulation (a `Simulation` hosting real nodes). */
export interface WorkSimView {
  running(): Array<{ id: string; node: unknown }>
  readonly work: { readonly submitted: readonly SubmittedTask[]; readonly runs: readonly HandlerRun[] }
  readonly nowMs: number
  readonly checkers: { report(invariant: string, detail: string, atMs: number): void }
}

/** Problems one invariant reports at once: the first ones explain a failure. */
const detailsMax = 20

/** Every running node's tasks by id (nodes without the tasks API are left out). */
function boards(sim: WorkSimView): Array<{ id: string; tasks: Map<string, TaskInfo> }> {
  const out: Array<{ id: string; tasks: Map<string, TaskInfo> }> = []
  for (const { id, node } of sim.running()) {
    const tasks = (node as { tasks?: { list?: () => TaskInfo[] } }).tasks
    if (typeof tasks?.list !== 'function') continue
    out.push({ id, tasks: new Map(tasks.list().map((t) => [t.id, t])) })
  }
  return out
}

/** Every task id known: the acknowledged submissions and every board's, in a stable order. */
function taskIds(sim: WorkSimView, all: ReturnType<typeof boards>): string[] {
  const ids = new Set(sim.work.submitted.map((s) => s.id))
  for (const { tasks } of all) for (const id of tasks.keys()) ids.add(id)
  return [...ids].sort()
}

/**
 * Every distinct task once, as the first board that holds it shows it (with
 * that board's node): the per-task invariants need not check every copy,
 * since convergence (doc-convergence, one-result) says whether the boards agree.
 */
function* eachTaskOnce(sim: WorkSimView): Generator<{ node: string; task: TaskInfo }> {
  const seen = new Set<string>()
  for (const { id: node, tasks } of boards(sim)) {
    for (const task of tasks.values()) {
      if (seen.has(task.id)) continue
      seen.add(task.id)
      yield { node, task }
    }
  }
}

const tokenOf = (e: { epoch: number; node: string }) => `(${e.epoch}, ${e.node})`

/** `no-lost-task`: at quiescence every submitted task is on every running node and has ended there (completed, failed or cancelled). */
export function noLostTask(): Invariant<WorkSimView> {
  return {
    name: 'no-lost-task',
    atQuiescence(sim) {
      const all = boards(sim)
      const problems: string[] = []
      const submittedBy = new Map(sim.work.submitted.map((s) => [s.id, s]))
      for (const id of taskIds(sim, all)) {
        for (const { id: node, tasks } of all) {
          const task = tasks.get(id)
          const origin = submittedBy.get(id)
          const from =
            origin === undefined ? '' : ` (${origin.kind}, submitted on ${origin.node} at ${origin.atMs} ms)`
          if (task === undefined) problems.push(`${node} lacks task ${id}${from}`)
          else if (!isTerminal(task.status))
            problems.push(
              `task ${id}${from} is ${task.status} on ${node} (owner ${task.owner ?? '-'}, epoch ${task.epoch})`,
            )
          if (problems.length >= detailsMax) return problems
        }
      }
      return problems
    },
  }
}

/** A task's view that every node must share once settled. */
const settledView = (t: TaskInfo) =>
  canonicalJson({ status: t.status, owner: t.owner ?? null, epoch: t.epoch, result: t.result ?? null })

/** `one-result`: a completed task has exactly one accepted result, the same on every node, returned by a run that did return it. */
export function oneAcceptedResult(): Invariant<WorkSimView> {
  return {
    name: 'one-result',
    atQuiescence(sim) {
      const all = boards(sim)
      const problems: string[] = []
      for (const id of taskIds(sim, all)) {
        const views = all.flatMap(({ id: node, tasks }) => {
          const t = tasks.get(id)
          return t === undefined ? [] : [{ node, task: t }]
        })
        const completed = views.filter((v) => v.task.status === 'completed')
        if (completed.length === 0) continue
        if (new Set(views.map((v) => settledView(v.task))).size > 1)
          problems.push(
            `task ${id} settles differently: ${views.map((v) => `${v.node}=${settledView(v.task)}`).join(' ')}`,
          )
        for (const { node, task } of completed) {
          const finishes = task.history.filter(
            (e): e is CompletedEvent =>
              e.type === 'completed' && e.epoch === task.epoch && e.node === task.owner,
          )
          if (finishes.length !== 1)
            problems.push(
              `task ${id} on ${node}: ${finishes.length} completions by the winning run ${tokenOf({ epoch: task.epoch, node: task.owner ?? '-' })}`,
            )
        }
        const { task } = completed[0] as { task: TaskInfo }
        const recorded = sim.work.runs.filter((r) => r.task === id && r.what === 'run')
        const returned = recorded.some(
          (r) => r.epoch === task.epoch && r.node === task.owner && r.outcome === 'ok',
        )
        if (recorded.length > 0 && !returned)
          problems.push(
            `task ${id}'s accepted result is run ${tokenOf({ epoch: task.epoch, node: task.owner ?? '-' })}'s, but no such run returned`,
          )
        if (problems.length >= detailsMax) return problems.slice(0, detailsMax)
      }
      return problems
    },
  }
}

/** Whole-run compensations (no `step`) per run token, as the board holds them. */
function runCompensations(task: TaskInfo): Map<string, number> {
  const counts = new Map<string, number>()
  for (const e of task.history)
    if (e.type === 'compensated' && e.step === undefined)
      counts.set(tokenOf(e), (counts.get(tokenOf(e)) ?? 0) + 1)
  return counts
}

/** The problems of one task's compensations (see the file header). */
function compensationProblems(task: TaskInfo, runs: readonly HandlerRun[]): string[] {
  const problems: string[] = []
  const counts = runCompensations(task)
  const duplicates = new Set(task.duplicates.map(tokenOf))
  for (const d of task.duplicates) {
    const n = counts.get(tokenOf(d)) ?? 0
    if (n !== 1)
      problems.push(`task ${task.id}: run ${tokenOf(d)} completed but lost, compensated ${n} times`)
  }
  for (const [token, n] of counts)
    if (!duplicates.has(token))
      problems.push(
        `task ${task.id}: run ${token} was compensated (${n}×) but is not a completed run that lost`,
      )
  // The handlers' own count: a compensation that returned, per epoch (the owner may run it for a gone node).
  const recorded = runs.filter((r) => r.task === task.id)
  if (recorded.length > 0) {
    for (const epoch of new Set([
      ...task.duplicates.map((d) => d.epoch),
      ...recorded.filter((r) => r.what === 'compensate').map((r) => r.epoch),
    ])) {
      const want = task.duplicates.filter((d) => d.epoch === epoch).length
      const ran = recorded.filter(
        (r) => r.what === 'compensate' && r.epoch === epoch && r.outcome === 'ok',
      ).length
      if (ran !== want)
        problems.push(
          `task ${task.id}: compensate returned ${ran} times for epoch ${epoch}, whose completed losing runs number ${want}`,
        )
    }
  }
  const done = new Set(
    task.history.flatMap((e) => (e.type === 'stepDone' ? [`${tokenOf(e)}/${e.name}`] : [])),
  )
  const undone = new Map<string, number>()
  for (const e of task.history.filter(
    (e): e is CompensatedEvent => e.type === 'compensated' && e.step !== undefined,
  ))
    undone.set(`${tokenOf(e)}/${e.step}`, (undone.get(`${tokenOf(e)}/${e.step}`) ?? 0) + 1)
  for (const [step, n] of undone) {
    if (!done.has(step)) problems.push(`task ${task.id}: step ${step} was compensated but never done`)
    if (n > 1) problems.push(`task ${task.id}: step ${step} was compensated ${n} times`)
  }
  return problems
}

/** `compensated-once`: every run that completed but lost was compensated exactly once, and no other run was; each compensated step was done, and undone at most once. */
export function compensatedOnce(): Invariant<WorkSimView> {
  return {
    name: 'compensated-once',
    atQuiescence(sim) {
      const problems: string[] = []
      for (const { task } of eachTaskOnce(sim)) {
        problems.push(...compensationProblems(task, sim.work.runs))
        if (problems.length >= detailsMax) return problems.slice(0, detailsMax)
      }
      return problems
    },
  }
}

/** `checkpoints-forward`: within a run (one epoch), checkpoints that carry `progress` never go backwards. */
export function checkpointsForward(): Invariant<WorkSimView> {
  return {
    name: 'checkpoints-forward',
    atQuiescence(sim) {
      const problems: string[] = []
      for (const { node, task } of eachTaskOnce(sim)) {
        const byRun = new Map<string, CheckpointEvent[]>()
        for (const e of task.history)
          if (e.type === 'checkpoint') byRun.set(tokenOf(e), [...(byRun.get(tokenOf(e)) ?? []), e])
        for (const [run, checkpoints] of byRun) {
          const progress = checkpoints
            .sort((a, b) => a.seq - b.seq)
            .map((c) => (c.state as { progress?: unknown } | null)?.progress)
            .filter((p): p is number => typeof p === 'number')
          for (let i = 1; i < progress.length; i++)
            if ((progress[i] as number) < (progress[i - 1] as number))
              problems.push(
                `task ${task.id} on ${node}: run ${run}'s checkpoints go back: progress ${progress.join(' → ')}`,
              )
        }
      }
      return problems.slice(0, detailsMax)
    },
  }
}

/**
 * Under `majority`, each claim of a task takes an epoch no claim took before
 * (fencing tokens strictly increase): two claims of one epoch mean two
 * nodes claimed concurrently, which only `availability` allows.
 */
export function epochsIncrease(policy: 'majority' | 'availability'): Invariant<WorkSimView> {
  return {
    name: 'epochs-increase',
    atQuiescence(sim) {
      if (policy !== 'majority') return undefined
      const problems: string[] = []
      for (const { task } of eachTaskOnce(sim)) {
        const claimants = new Map<number, string[]>()
        for (const e of task.history)
          if (e.type === 'claimed') claimants.set(e.epoch, [...(claimants.get(e.epoch) ?? []), e.node])
        for (const [epoch, nodes] of claimants)
          if (nodes.length > 1)
            problems.push(`task ${task.id}: epoch ${epoch} claimed by ${nodes.join(' and ')}`)
      }
      return problems.slice(0, detailsMax)
    },
  }
}

/** The work invariants `sim.check()` includes by default with real nodes; `policy` is the nodes' partitionPolicy. */
export function defaultWorkInvariants(
  policy: 'majority' | 'availability' = 'majority',
): Array<Invariant<WorkSimView>> {
  return [
    noLostTask(),
    oneAcceptedResult(),
    compensatedOnce(),
    checkpointsForward(),
    epochsIncrease(policy),
    fencingMonotone(),
    noOverlappingRuns(policy),
  ]
}
