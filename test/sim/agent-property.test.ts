/**
 * Real isthmus nodes under generated fault plans and workloads: after the
 * liveness phase every document agrees byte for byte, no acknowledged write
 * is lost and every version vector agrees. fast-check shrinks a failure to a
 * minimal plan and prints the command that replays it.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  type AckedWrites,
  agentInvariants,
  agentNodeFactory,
  applyWrite,
  arbitraries,
  checkScenarios,
  runScenario,
  type ScenarioInput,
  type Verdict,
} from '../../sim/index.ts'
import type { AgentNode } from '../../src/node/agent-node.ts'

const nodes = ['n1', 'n2', 'n3', 'n4', 'n5']
const durationMs = 4_000

const write = fc
  .record({
    backend: fc.constantFrom('yjs' as const, 'automerge' as const),
    key: fc.constantFrom('a', 'b', 'c', 'd', 'e'),
    value: fc.string({ maxLength: 4 }),
    replicas: fc.constantFrom(undefined, 2),
  })
  .map(({ backend, key, value, replicas }) => ({
    op: 'write',
    args: {
      doc: backend === 'yjs' ? 'plan' : 'notes',
      backend,
      key,
      value,
      ...(replicas ? { replicas } : {}),
    },
  }))

const inputs = arbitraries.scenarioInput({ nodes, durationMs, stepsMax: 6, op: write, opsMax: 12 })

/** Acknowledged writes over all runs: the property must not pass vacuously. */
let ackedTotal = 0

async function runAgents(input: ScenarioInput): Promise<Verdict> {
  const acked: AckedWrites = []
  return runScenario<AgentNode>({
    ...input,
    nodes,
    network: { latencyMs: [1, 30], loss: 0.02, duplicate: 0.01 },
    createNode: agentNodeFactory,
    node: { heartbeatMs: 250, members: nodes },
    applyOp: applyWrite(acked),
    invariants: agentInvariants(acked),
    durationMs,
    livenessMsMax: 20_000,
    storeSyncMs: 3,
  }).finally(() => {
    ackedTotal += acked.length
  })
}

describe('real nodes under generated fault plans', () => {
  it('converge and lose no acknowledged write for every generated plan, workload and seed (100 runs)', async () => {
    await checkScenarios(inputs, runAgents, { numRuns: 100, seed: 20261122, scenario: { nodes, durationMs } })
    expect(ackedTotal).toBeGreaterThan(200)
  })
})
