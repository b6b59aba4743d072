/**
 * Workloads as plain data: client operations `{ atMs, node, op, args }` that a
 * scenario applies to running nodes through its `applyOp`. What `op` means is
 * the node's business (the counter test protocol has `add`; AgentNode will
 * have `change` and `submit`).
 */
import { ScenarioError } from './errors.ts'

/** One client operation: at `atMs`, on `node`, do `op` with `args`. */
export interface WorkloadOp {
  atMs: number
  node: string
  op: string
  args?: unknown
}

/** Operations in one workload: a script, not a load test. */
export const WORKLOAD_OPS_MAX = 100_000

/** Validates a workload (e.g. parsed JSON); returns it sorted by `atMs` (stable). */
export function parseWorkload(value: unknown, ids: readonly string[], field = 'workload'): WorkloadOp[] {
  if (!Array.isArray(value)) throw new ScenarioError(field, 'expected an array of { atMs, node, op, args }')
  if (value.length > WORKLOAD_OPS_MAX)
    throw new ScenarioError(field, `more than ${WORKLOAD_OPS_MAX} operations`)
  const ops = value.map((raw: unknown, i) => {
    const at = `${field}[${i}]`
    if (typeof raw !== 'object' || raw === null)
      throw new ScenarioError(at, 'expected { atMs, node, op, args }')
    const op = raw as Record<string, unknown>
    if (typeof op.atMs !== 'number' || !Number.isFinite(op.atMs) || op.atMs < 0) {
      throw new ScenarioError(`${at}.atMs`, 'expected a number ≥ 0')
    }
    if (typeof op.node !== 'string' || !ids.includes(op.node)) {
      throw new ScenarioError(`${at}.node`, `unknown node ${JSON.stringify(op.node)}`)
    }
    if (typeof op.op !== 'string' || op.op.length === 0)
      throw new ScenarioError(`${at}.op`, 'expected an operation name')
    return { atMs: op.atMs, node: op.node, op: op.op, args: op.args } as WorkloadOp
  })
  return ops
    .map((op, i) => ({ op, i }))
    .sort((a, b) => a.op.atMs - b.op.atMs || a.i - b.i)
    .map((x) => x.op)
}
