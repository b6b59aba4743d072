/**
 * One named scenario run with real isthmus nodes (createNode) in the
 * simulator, exactly as `isthmus sim --scenario NAME --seed S` runs it: the
 * scenario's plan, network, sync delay and compaction thresholds, the
 * workload drawn from the seed (writes, and in a task scenario its work
 * options, the simulator's task handlers and the seed's submissions), and the
 * invariants `sim.check()` includes by default with real nodes. Shared by the
 * document and task scenario tests and the determinism check.
 */
import { runScenario, type SimNodeFactory, type Verdict } from '../../sim/index.ts'
import { namedNodeOptions, namedScenario, namedWorkload } from '../../sim/scenarios/index.ts'
import type { AgentNode } from '../../src/node/agent-node.ts'

export const AGENT_IDS = ['n1', 'n2', 'n3', 'n4', 'n5']

export function runAgentScenario(options: {
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
    nodes: AGENT_IDS,
    network: scenario.network,
    swarm: scenario.swarm,
    node: namedNodeOptions(scenario, { heartbeatMs: 250, members: AGENT_IDS }),
    storeSyncMs: scenario.storeSyncMs,
    storeOptions: scenario.store,
    plan: scenario.plan(AGENT_IDS, durationMs),
    workload: namedWorkload(scenario, seed, AGENT_IDS, durationMs),
    durationMs,
    livenessMsMax: scenario.livenessMsMax,
    ...(scenario.tasks === undefined ? {} : { tasks: scenario.tasks.handlers }),
    ...(options.createNode === undefined ? {} : { createNode: options.createNode }),
    ...(options.trace === undefined ? {} : { trace: options.trace }),
  })
}
