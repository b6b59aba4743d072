/**
 * What a named scenario runs besides its plan: the client workload a seed
 * draws (writes, and task submissions in a task scenario) and the node
 * options its story needs. Shared by the CLI and the tests, so both run a
 * seed the same way.
 */
import { writesFromSeed } from '../agent-workload.ts'
import { mergeWorkloads, tasksFromSeed } from '../task-workload.ts'
import type { WorkloadOp } from '../workload.ts'
import type { NamedScenario } from './named-scenario.ts'

/** The workload `seed` draws for `scenario` over a safety phase of `durationMs`. */
export function namedWorkload(
  scenario: NamedScenario,
  seed: number,
  ids: readonly string[],
  durationMs: number,
): WorkloadOp[] {
  const writes = writesFromSeed(seed, ids, durationMs, scenario.writeEveryMs)
  if (scenario.tasks === undefined) return writes
  return mergeWorkloads(writes, tasksFromSeed(seed, ids, durationMs, scenario.tasks.workload))
}

/** `base` node options with the scenario's work options (partitionPolicy, leaseMs) over them. */
export function namedNodeOptions<O extends object>(scenario: NamedScenario, base: O): O {
  return scenario.tasks === undefined ? base : { ...base, ...scenario.tasks.node }
}
