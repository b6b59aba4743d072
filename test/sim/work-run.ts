/**
 * One named task scenario run with real nodes, exactly as `isthmus sim
 * --scenario NAME --seed S` runs it: the scenario's plan, network, sync
 * delay and compaction thresholds, its work options (partitionPolicy), the
 * simulator's task handlers, and the writes and task submissions the seed
 * draws. Shared by the task scenario tests.
 */
import { runScenario, type SimNodeFactory, type Verdict } from '../../sim/index.ts'
import { namedNodeOptions, namedScenario, namedWorkload } from '../../sim/scenarios/index.ts'
import type { AgentNode } from '../../src/node/agent-node.ts'

export const workIds = ['n1', 'n2', 'n3', 'n4', 'n5']

export function runTaskScenario(options: {
  scenario: string
  seed: number
  trace?: { sink?: (line: string) => void }
  /** A factory wrapping the real node (to show a checker catching a broken one). */
  createNode?: SimNodeFactory<AgentNode>
}): Promise<Verdict> {
  const { seed } = options
  const scenario = namedScenario(options.scenario)
  const durationMs = scenario.durationMsDefault
  return runScenario<AgentNode>({
    seed,
    nodes: workIds,
    network: scenario.network,
    swarm: scenario.swarm,
    node: namedNodeOptions(scenario, { heartbeatMs: 250, members: workIds }),
    storeSyncMs: scenario.storeSyncMs,
    storeOptions: scenario.store,
    plan: scenario.plan(workIds, durationMs),
    workload: namedWorkload(scenario, seed, workIds, durationMs),
    durationMs,
    livenessMsMax: scenario.livenessMsMax,
    ...(scenario.tasks === undefined ? {} : { tasks: scenario.tasks.handlers }),
    ...(options.createNode === undefined ? {} : { createNode: options.createNode }),
    ...(options.trace === undefined ? {} : { trace: options.trace }),
  })
}
