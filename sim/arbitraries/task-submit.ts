/**
 * `taskSubmit`: one `submit` workload operation of the simulator's task
 * kinds (sim/task-handlers.ts). Keys come from a small set, so a generated
 * workload submits some key twice, on one node or two (an idempotent
 * resubmission, possibly across a partition): the checkers find tasks by id.
 */
import fc from 'fast-check'
import { SIM_TASK_KINDS, type SimTaskKind } from '../task-handlers.ts'

export interface TaskSubmitConstraints {
  /** Kinds to draw. Default: every kind but `guarded` (its breaker has a scenario of its own). */
  kinds?: readonly SimTaskKind[]
  /** Distinct keys to draw from. Default 8. */
  keys?: number
}

/** An arbitrary `{ op: 'submit', args: { kind, key, payload } }`. */
export function taskSubmit(
  constraints: TaskSubmitConstraints = {},
): fc.Arbitrary<{ op: string; args: unknown }> {
  const kinds = constraints.kinds ?? SIM_TASK_KINDS.filter((k) => k !== 'guarded')
  const keys = constraints.keys ?? 8
  if (kinds.length === 0) throw new RangeError('taskSubmit: kinds must not be empty')
  if (!Number.isInteger(keys) || keys < 1) throw new RangeError('taskSubmit: keys must be an integer ≥ 1')
  return fc
    .record({ kind: fc.constantFrom(...kinds), key: fc.nat(keys - 1), n: fc.nat(99) })
    .map(({ kind, key, n }) => ({ op: 'submit', args: { kind, key: `task-${key}`, payload: { n } } }))
}
