/**
 * `scenarioInput`: a seed, a fault plan and a workload together, the input
 * `checkScenarios` runs.
 */
import fc from 'fast-check'
import type { ScenarioInput } from '../property.ts'
import type { WorkloadOp } from '../workload.ts'
import { type FaultPlanConstraints, faultPlan } from './fault-plan.ts'
import { type WorkloadConstraints, workload } from './workload.ts'

export interface ScenarioInputConstraints extends FaultPlanConstraints {
  /** One workload operation; without it the workload is empty. */
  op?: WorkloadConstraints['op']
  /** Default 10. */
  opsMax?: number
}

/** An arbitrary scenario input. The seed shrinks toward 0. */
export function scenarioInput(constraints: ScenarioInputConstraints): fc.Arbitrary<ScenarioInput> {
  const { op, opsMax, ...plan } = constraints
  const ops =
    op === undefined
      ? fc.constant<WorkloadOp[]>([])
      : workload({
          nodes: plan.nodes,
          durationMs: plan.durationMs,
          op,
          ...(opsMax === undefined ? {} : { opsMax }),
        })
  return fc.record({ seed: fc.nat(), plan: faultPlan(plan), workload: ops })
}
