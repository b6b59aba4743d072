/**
 * One counter-protocol scenario run, shared by the scenario tests and the
 * determinism child process.
 */
import { runScenario, type Verdict } from '../../sim/index.ts'
import { type AckedAdds, addsFromSeed, applyAdd, counterConvergence, noLostAdd } from './counter-checks.ts'
import { type CounterNode, counterNode } from './counter-node.ts'
import { namedPlans, SCENARIO_DURATION_MS } from './scenarios.ts'

export const COUNTER_IDS = ['n1', 'n2', 'n3', 'n4', 'n5']

export interface CounterRunOptions {
  /** A named plan, or 'swarm' for a plan and network drawn from the seed. */
  scenario: string
  seed: number
  trace?: { sink?: (line: string) => void }
}

export function runCounterScenario(options: CounterRunOptions): Promise<Verdict> {
  const { scenario, seed } = options
  const acked: AckedAdds = new Map()
  const swarm = scenario === 'swarm'
  return runScenario<CounterNode>({
    seed,
    nodes: COUNTER_IDS,
    network: swarm ? {} : { latencyMs: [1, 40], loss: 0.02, duplicate: 0.01 },
    swarm,
    createNode: counterNode,
    node: { heartbeatMs: 250, fanout: 2 },
    storeSyncMs: scenario === 'crash-restart' || swarm ? 5 : 0,
    plan: swarm ? [] : namedPlans[scenario],
    workload: addsFromSeed(seed, COUNTER_IDS, SCENARIO_DURATION_MS),
    applyOp: applyAdd(acked),
    invariants: [counterConvergence(), noLostAdd(acked)],
    durationMs: SCENARIO_DURATION_MS,
    livenessMsMax: 20_000,
    ...(options.trace === undefined ? {} : { trace: options.trace }),
  })
}
