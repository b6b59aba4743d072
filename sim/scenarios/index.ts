/**
 * The named scenarios `isthmus sim --scenario NAME` runs, as data: each is a
 * fault plan over any node ids, its network, and its phase lengths.
 */
import { ScenarioError } from '../errors.ts'
import type { NamedScenario } from './named-scenario.ts'
import { bridge, flappingPartition, majoritiesRing, oneWay, partitionHeal, swizzle } from './partitions.ts'
import { clockSkew, crashRestart, storageFaults, swarm } from './processes.ts'
import { taskScenarios } from './tasks.ts'

export { namedNodeOptions, namedWorkload } from './named-run.ts'
export {
  atFraction,
  compactingStore,
  idAt,
  lossyLan,
  type NamedScenario,
  type NamedTaskWork,
  scenarioDefaults,
} from './named-scenario.ts'
export { taskScenarios } from './tasks.ts'

/** Every named scenario, in the order `--help` lists them. */
export const namedScenarios: readonly NamedScenario[] = [
  partitionHeal,
  flappingPartition,
  crashRestart,
  majoritiesRing,
  bridge,
  oneWay,
  clockSkew,
  swizzle,
  storageFaults,
  swarm,
  ...taskScenarios,
]

/** The names of `namedScenarios`, in the same order. */
export const scenarioNames: readonly string[] = namedScenarios.map((s) => s.name)

/** The scenario called `name`, or undefined. */
export function findScenario(name: string): NamedScenario | undefined {
  return namedScenarios.find((s) => s.name === name)
}

/** The scenario called `name`; throws `ScenarioError` listing the names otherwise. */
export function namedScenario(name: string): NamedScenario {
  const found = findScenario(name)
  if (found === undefined) {
    throw new ScenarioError(
      'scenario',
      `unknown scenario ${JSON.stringify(name)} (known: ${scenarioNames.join(', ')})`,
    )
  }
  return found
}
