import { existsSync } from 'node:fs'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  arbitraries,
  checkScenarios,
  FAULT_NAMES,
  loadScenarioFile,
  runScenario,
  ScenarioFailure,
  type ScenarioInput,
  type Verdict,
} from '../../sim/index.ts'
import { type AckedAdds, applyAdd, counterConvergence, noLostAdd } from './counter-checks.ts'
import { type CounterNode, type CounterOptions, counterNode } from './counter-node.ts'

/**
 * The example of a property test over the simulator: any fault plan, any
 * workload, any seed; after the liveness phase the counters must agree and
 * hold every acknowledged add.
 */
const nodes = ['n1', 'n2', 'n3', 'n4', 'n5']
const durationMs = 4000
const inputs = arbitraries.scenarioInput({
  nodes,
  durationMs,
  // The counter protocol keeps its state in one metadata record: the storage faults are for real nodes.
  kinds: FAULT_NAMES.filter((f) => f !== 'storeFault' && f !== 'corrupt'),
  stepsMax: 6,
  op: fc.record({ op: fc.constant('add'), args: fc.integer({ min: 1, max: 5 }) }),
  opsMax: 8,
})

function runCounter(options: CounterOptions, network = {}) {
  return (input: ScenarioInput): Promise<Verdict> => {
    const acked: AckedAdds = new Map()
    return runScenario<CounterNode, CounterOptions>({
      ...input,
      nodes,
      network,
      createNode: counterNode,
      node: { heartbeatMs: 250, fanout: 2, ...options },
      applyOp: applyAdd(acked),
      invariants: [counterConvergence(), noLostAdd(acked)],
      durationMs,
      livenessMsMax: 15_000,
      storeSyncMs: 3,
    })
  }
}

describe('properties over generated fault plans', () => {
  it('the counter protocol converges for every generated plan, workload and seed (120 runs)', async () => {
    await checkScenarios(inputs, runCounter({}, { latencyMs: [1, 30], loss: 0.02 }), {
      numRuns: 120,
      seed: 20240601,
    })
  })

  it('the counter protocol converges on generated networks too (100 runs)', async () => {
    const withNetwork = fc.tuple(inputs, arbitraries.networkOptions())
    await fc.assert(
      fc.asyncProperty(withNetwork, async ([input, network]) => {
        const verdict = await runCounter({}, network)(input)
        expect(verdict.violations).toEqual([])
      }),
      { numRuns: 100, seed: 42 },
    )
  })

  it('finds a planted bug, shrinks its plan, and prints the command that replays it', async () => {
    let failure: unknown
    try {
      await checkScenarios(inputs, runCounter({ brokenAfterDisconnect: true }), {
        numRuns: 200,
        seed: 7,
        scenario: { nodes, durationMs },
      })
    } catch (error) {
      failure = error
    }
    expect(failure).toBeInstanceOf(ScenarioFailure)
    const { message, file } = failure as ScenarioFailure
    expect(message).toContain(`replay: npx isthmus sim --seed `)
    expect(message).toContain(` --plan ${file}`)
    expect(message).toMatch(/counter-convergence|no-lost-add/)
    expect(existsSync(file)).toBe(true)
    const replay = loadScenarioFile(file)
    // Shrunk: one fault that breaks a connection, and one add after it.
    expect(replay.plan.length).toBe(1)
    expect(replay.workload?.length).toBe(1)
    expect(replay.nodes).toEqual(nodes)
    // The file replays: the same inputs fail the same way.
    const again = await runCounter({ brokenAfterDisconnect: true })({
      seed: replay.seed ?? 0,
      plan: replay.plan,
      workload: replay.workload ?? [],
    })
    expect(again.ok).toBe(false)
  })
})
