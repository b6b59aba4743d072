/**
 * `workload`: generated client operations as plain arrays (shrinkable).
 */
import fc from 'fast-check'
import { nodeIdsOf } from '../node-ids.ts'
import type { WorkloadOp } from '../workload.ts'

export interface WorkloadConstraints {
  /** A count (ids n1..nN) or the ids. */
  nodes: number | readonly string[]
  /** Operations fall in [0, durationMs). */
  durationMs: number
  /** One operation's name and arguments, e.g. `fc.record({ op: fc.constant('add'), args: fc.nat(9) })`. */
  op: fc.Arbitrary<{ op: string; args?: unknown }>
  /** At most this many operations. Default 10. */
  opsMax?: number
}

/** An arbitrary workload: up to `opsMax` operations on random nodes, sorted by `atMs`. */
export function workload(constraints: WorkloadConstraints): fc.Arbitrary<WorkloadOp[]> {
  const ids = nodeIdsOf(constraints.nodes)
  const op = fc
    .tuple(
      fc.integer({ min: 0, max: Math.max(0, Math.floor(constraints.durationMs) - 1) }),
      fc.constantFrom(...ids),
      constraints.op,
    )
    .map(([atMs, node, what]) => ({ atMs, node, ...what }))
  return fc
    .array(op, { maxLength: constraints.opsMax ?? 10 })
    .map((ops) => [...ops].sort((a, b) => a.atMs - b.atMs) as WorkloadOp[])
}
