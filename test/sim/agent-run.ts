/**
 * One scenario run with real isthmus nodes (createNode) in the simulator,
 * shared by the scenario tests and the determinism check.
 */
import {
  type AckedWrites,
  agentInvariants,
  agentNodeFactory,
  applyWrite,
  writesFromSeed,
} from '../../sim/agent-nodes.ts'
import { runScenario, type Verdict } from '../../sim/index.ts'
import type { AgentNode } from '../../src/node/agent-node.ts'
import { namedPlans, scenarioDurationMs } from './scenarios.ts'

export const agentIds = ['n1', 'n2', 'n3', 'n4', 'n5']

export function runAgentScenario(options: {
  scenario: string
  seed: number
  trace?: { sink?: (line: string) => void }
}): Promise<Verdict> {
  const { scenario, seed } = options
  const acked: AckedWrites = []
  const swarm = scenario === 'swarm'
  return runScenario<AgentNode>({
    seed,
    nodes: agentIds,
    network: swarm ? {} : { latencyMs: [1, 40], loss: 0.02, duplicate: 0.01 },
    swarm,
    createNode: agentNodeFactory,
    node: { heartbeatMs: 250, members: agentIds },
    storeSyncMs: scenario === 'crash-restart' || swarm ? 5 : 0,
    plan: swarm ? [] : namedPlans[scenario],
    workload: writesFromSeed(seed, agentIds, scenarioDurationMs),
    applyOp: applyWrite(acked),
    invariants: agentInvariants(acked),
    durationMs: scenarioDurationMs,
    livenessMsMax: 20_000,
    ...(options.trace === undefined ? {} : { trace: options.trace }),
  })
}
