/**
 * The work invariants that watch every step (DESIGN §5: "fencing never goes
 * backwards, no overlapping runs under `majority`"), as trace observers:
 *
 *   fencing-monotone   on every node, a task's winning token (epoch, node)
 *                      and its last checkpoint (epoch, node, seq) never go
 *                      backwards while the node runs. The board is a
 *                      grow-only set, so they can only rise; a node that
 *                      drops board events or derives from something else
 *                      than the set breaks it. Across a crash the new
 *                      incarnation starts from what its store held: board
 *                      events it had applied but not yet made durable go
 *                      with the process (peers still hold them and send
 *                      them again), as do those a power loss or rot took
 *                      (task-checkpoint-crash seed 26: n4 crashed with two
 *                      checkpoint events still queued for its disk).
 *   no-overlap         under `majority`, no two runs of one task (distinct
 *                      fencing tokens) execute their handler at the same
 *                      virtual instant: each run's [start, end) comes from
 *                      the simulator's handler wrapper (work-ledger.ts).
 */
import { compareTokens, type RunToken } from '../src/work/fencing.ts'
import type { TaskInfo } from '../src/work/types.ts'
import type { Invariant } from './checkers.ts'
import type { TraceRecord } from './trace.ts'

/** What the watchers read from a simulation. */
export interface WorkWatchView {
  running(): Array<{ id: string; node: unknown }>
  readonly nowMs: number
  readonly checkers: { report(invariant: string, detail: string, atMs: number): void }
}

/** A node whose task events can be watched (AgentNode, or a wrapper around one). */
interface TaskEmitter {
  on(event: 'task', listener: (task: TaskInfo) => void): () => void
  tasks: { list(): TaskInfo[] }
}

function taskEmitterOf(node: unknown): TaskEmitter | undefined {
  const n = node as Partial<TaskEmitter> | undefined
  return typeof n?.on === 'function' && typeof n.tasks?.list === 'function' ? (n as TaskEmitter) : undefined
}

/** What a node last showed of one task. */
interface Seen {
  token: RunToken
  checkpoint: (RunToken & { seq: number }) | undefined
}

const tokenText = (t: RunToken) => `(${t.epoch}, ${t.node || '-'})`
const checkpointText = (c: (RunToken & { seq: number }) | undefined) =>
  c === undefined ? 'none' : `(${c.epoch}, ${c.node}, #${c.seq})`

/** Orders checkpoints by (epoch, node, seq); none is lowest. */
function compareCheckpoints(a: Seen['checkpoint'], b: Seen['checkpoint']): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? -1 : 1
  return compareTokens(a, b) || a.seq - b.seq
}

/** `fencing-monotone`: on every node, a task's winning token and its last checkpoint never go backwards while the node runs (see the file header). */
export function fencingMonotone(): Invariant<WorkWatchView> {
  /** Per node, per task: the highest it showed. Bounded by nodes × tasks of the run. */
  const seen = new Map<string, Map<string, Seen>>()
  /** Per node, its incarnation: a dead incarnation's late events are ignored. */
  const generation = new Map<string, number>()
  const name = 'fencing-monotone'

  const check = (sim: WorkWatchView, id: string, task: TaskInfo): void => {
    let byTask = seen.get(id)
    if (byTask === undefined) {
      byTask = new Map()
      seen.set(id, byTask)
    }
    const now: Seen = {
      token: { epoch: task.epoch, node: task.owner ?? '' },
      checkpoint: task.lastCheckpoint,
    }
    const before = byTask.get(task.id)
    if (before !== undefined && compareTokens(now.token, before.token) < 0)
      sim.checkers.report(
        name,
        `${id}: task ${task.id} went back from winning token ${tokenText(before.token)} to ${tokenText(now.token)} (status ${task.status})`,
        sim.nowMs,
      )
    if (before !== undefined && compareCheckpoints(now.checkpoint, before.checkpoint) < 0)
      sim.checkers.report(
        name,
        `${id}: task ${task.id}'s last checkpoint went back from ${checkpointText(before.checkpoint)} to ${checkpointText(now.checkpoint)}`,
        sim.nowMs,
      )
    byTask.set(task.id, {
      token: before && compareTokens(before.token, now.token) > 0 ? before.token : now.token,
      checkpoint:
        compareCheckpoints(before?.checkpoint, now.checkpoint) > 0 ? before?.checkpoint : now.checkpoint,
    })
  }

  /** Follows the incarnation of `id` that is up now. */
  const follow = (sim: WorkWatchView, id: string, running: unknown): void => {
    const node = taskEmitterOf(running)
    if (node === undefined) return
    const mine = generation.get(id) ?? 0
    // After a clean stop, what the new incarnation loaded must not be behind what the old one showed.
    for (const task of node.tasks.list()) check(sim, id, task)
    node.on('task', (task) => {
      if ((generation.get(id) ?? 0) === mine) check(sim, id, task)
    })
  }

  return {
    name,
    attach(sim) {
      for (const { id, node } of sim.running()) follow(sim, id, node)
    },
    observe(r: TraceRecord, sim) {
      // A power loss or rot may take board events the node held; it fetches them again.
      if (r.k === 'store' && (r.what === 'power-loss' || r.what === 'rot')) seen.delete(r.node)
      if (r.k !== 'node') return undefined
      if (r.what === 'crash' || r.what === 'stop') {
        generation.set(r.node, (generation.get(r.node) ?? 0) + 1)
        // What the node showed but had not made durable is not owed to its next incarnation.
        if (r.what === 'crash') seen.delete(r.node)
      }
      if (r.what === 'started') follow(sim, r.node, sim.running().find((x) => x.id === r.node)?.node)
      return undefined
    },
  }
}

/** A handler execution going now, as the trace told it. */
interface OpenRun {
  node: string
  epoch: number
  attempt: number
  startMs: number
}

/** Under `majority`, two runs of one task never execute at once (see the file header). */
export function noOverlappingRuns(policy: 'majority' | 'availability'): Invariant<WorkWatchView> {
  /** Per task, its executions going now: bounded by the runs in flight. */
  const open = new Map<string, OpenRun[]>()
  return {
    name: 'no-overlap',
    observe(r: TraceRecord) {
      if (r.k !== 'task' || policy !== 'majority') return undefined
      const runs = open.get(r.task) ?? []
      if (r.what === 'run-end') {
        const i = runs.findIndex((o) => o.node === r.node && o.epoch === r.epoch && o.attempt === r.attempt)
        if (i >= 0) runs.splice(i, 1)
        if (runs.length === 0) open.delete(r.task)
        return undefined
      }
      if (r.what !== 'run') return undefined
      const other = runs.find((o) => o.epoch !== r.epoch || o.node !== r.node)
      runs.push({ node: r.node, epoch: r.epoch, attempt: r.attempt, startMs: r.t })
      open.set(r.task, runs)
      if (other === undefined) return undefined
      return `task ${r.task} (${r.kind}): run (${r.epoch}, ${r.node}) began while run (${other.epoch}, ${other.node}) was still executing (since ${other.startMs} ms)`
    },
  }
}
