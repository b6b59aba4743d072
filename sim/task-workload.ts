/**
 * The task workload real nodes run in the simulator: `submit` operations
 * beside the writes, each submitting a task of one of the simulator's kinds
 * (task-handlers.ts) with a key unique in the run, so a checker finds every
 * task by identity. Some submissions repeat an earlier key on another node:
 * an idempotency key submitted twice (possibly on both sides of a partition)
 * must be one task. A submission that resolves goes into `sim.work`.
 */
import { seededRandom } from '../src/env/seeded-random.ts'
import type { AgentNode } from '../src/node/agent-node.ts'
import { ScenarioError } from './errors.ts'
import type { Simulation } from './simulation.ts'
import { SIM_TASK_KINDS, type SimTaskKind } from './task-handlers.ts'
import type { WorkloadOp } from './workload.ts'

/** A submission: `kind` with `payload`, under the idempotency key `key` if given. */
export interface SubmitArgs {
  kind: string
  key?: string
  payload?: unknown
}

/** Validates a `submit`'s args at parse time; `field` names them in errors. */
export function parseSubmitArgs(value: unknown, field: string): SubmitArgs {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ScenarioError(field, 'expected { kind, key?, payload? }')
  const a = value as Record<string, unknown>
  for (const key of Object.keys(a))
    if (!['kind', 'key', 'payload'].includes(key)) throw new ScenarioError(`${field}.${key}`, 'unknown field')
  if (typeof a.kind !== 'string' || a.kind.length === 0)
    throw new ScenarioError(`${field}.kind`, 'expected a task kind')
  if (a.key !== undefined && (typeof a.key !== 'string' || a.key.length === 0))
    throw new ScenarioError(`${field}.key`, 'expected a non-empty string')
  return a as unknown as SubmitArgs
}

/** Submits through the node's public API; once durable there, the task id goes into `sim.work`. */
export async function applySubmit(
  node: AgentNode,
  op: WorkloadOp,
  sim: Simulation<AgentNode>,
): Promise<void> {
  const s = op.args as SubmitArgs
  const id = await node.tasks.submit({
    kind: s.kind,
    payload: s.payload ?? null,
    ...(s.key === undefined ? {} : { key: s.key }),
  })
  sim.work.submit({
    id,
    node: node.id,
    kind: s.kind,
    atMs: sim.nowMs,
    ...(s.key === undefined ? {} : { key: s.key }),
  })
}

/** How a seed draws task submissions. */
export interface TaskWorkloadOptions {
  /** A submission every ~this many virtual ms. */
  everyMs: number
  /** Relative weights of the kinds (absent kinds are never drawn). Default: every kind alike. */
  mix?: Partial<Record<SimTaskKind, number>>
  /** Stop submitting this far into the safety phase, so the last tasks meet the faults. Default 0.75. */
  untilFraction?: number
}

/** Every kind alike, except `guarded`: its breaker is the story of one scenario (task-breaker-partition). */
const defaultMix: Partial<Record<SimTaskKind, number>> = { quick: 1, slow: 1, flaky: 1, saga: 1 }

/** Every `repeatEvery`-th submission repeats the previous key on another node (an idempotent resubmission). */
const repeatEvery = 6

function drawKind(mix: Partial<Record<SimTaskKind, number>>, draw: number): SimTaskKind {
  const kinds = SIM_TASK_KINDS.filter((k) => (mix[k] ?? 0) > 0)
  if (kinds.length === 0) throw new ScenarioError('tasks.mix', 'no kind has a positive weight')
  const total = kinds.reduce((sum, k) => sum + (mix[k] ?? 0), 0)
  let at = draw * total
  for (const k of kinds) {
    at -= mix[k] ?? 0
    if (at < 0) return k
  }
  return kinds[kinds.length - 1] as SimTaskKind
}

/** Task submissions drawn from the seed (a fork of its own, so the writes drawn stay the same). */
export function tasksFromSeed(
  seed: number,
  ids: readonly string[],
  durationMs: number,
  options: TaskWorkloadOptions,
): WorkloadOp[] {
  const random = seededRandom(seed).fork('tasks')
  const mix = options.mix ?? defaultMix
  const untilMs = durationMs * (options.untilFraction ?? 0.75)
  const ops: WorkloadOp[] = []
  let previous: WorkloadOp | undefined
  let n = 0
  for (
    let atMs = Math.floor(random.next() * options.everyMs);
    atMs < untilMs;
    atMs += 1 + Math.floor(random.next() * options.everyMs * 2)
  ) {
    const node = ids[Math.floor(random.next() * ids.length)] as string
    const kind = drawKind(mix, random.next())
    const repeat = previous !== undefined && n % repeatEvery === repeatEvery - 1
    const op: WorkloadOp =
      repeat && previous !== undefined
        ? { atMs, node, op: 'submit', args: previous.args }
        : { atMs, node, op: 'submit', args: { kind, key: `task-${n}`, payload: { n } } }
    ops.push(op)
    previous = op
    n++
  }
  return ops
}

/** Two workloads as one, in time order (stable: at one instant, `a`'s operations first). */
export function mergeWorkloads(a: readonly WorkloadOp[], b: readonly WorkloadOp[]): WorkloadOp[] {
  return [...a, ...b]
    .map((op, i) => ({ op, i }))
    .sort((x, y) => x.op.atMs - y.op.atMs || x.i - y.i)
    .map((x) => x.op)
}
