/**
 * fast-check arbitraries for simulator scenarios; `import { arbitraries } from 'isthmus/sim'`.
 */
export { type FaultPlanConstraints, faultPlan } from './fault-plan.ts'
export { type NetworkOptionsConstraints, networkOptions } from './network-options.ts'
export { type ScenarioInputConstraints, scenarioInput } from './scenario-input.ts'
export { type TaskSubmitConstraints, taskSubmit } from './task-submit.ts'
export { type WorkloadConstraints, workload } from './workload.ts'
