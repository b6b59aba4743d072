/**
 * `isthmus/sim`'s public surface, pinned: the runtime names sim/index.ts
 * exports, against the list below. A new export (or a lost one) fails here
 * until this list, and the README/DESIGN.md if it is meant for users, say
 * so. The simulator's internals (event queue, scheduler, simulated network
 * and stores, ledgers, trace writer, link tables, swarm draws) are imported
 * from their own modules, never through the entry.
 */
import { describe, expect, it } from 'vitest'
import * as sim from '../../sim/index.ts'

const publicNames = [
  // A simulation and the scenario runner (DESIGN.md §3).
  'Simulation',
  'runScenario',
  'checkScenarios',
  'arbitraries',
  // The named scenarios of `isthmus sim --scenario NAME`.
  'namedNodeOptions',
  'namedScenario',
  'namedScenarios',
  'namedWorkload',
  'scenarioNames',
  // Fault plans and scenario files.
  'FAULT_NAMES',
  'parseFaultPlan',
  'SCENARIO_FILE_VERSION',
  'loadScenarioFile',
  'parseScenarioFile',
  'writeScenarioFile',
  // Real nodes and their workload.
  'agentNodeFactory',
  'applyWrite',
  // Checkers: network, document (agent) and work invariants.
  'linkFifo',
  'noDeliveryAcrossCut',
  'agentInvariants',
  'defaultAgentInvariants',
  'docConvergence',
  'noLostWrite',
  'vectorsEqual',
  'viewsHealed',
  'defaultWorkInvariants',
  'checkpointsForward',
  'compensatedOnce',
  'epochsIncrease',
  'noLostTask',
  'oneAcceptedResult',
  'fencingMonotone',
  'noOverlappingRuns',
  // Errors.
  'ScenarioError',
  'ScenarioFailure',
  'SimulationLimitError',
  'SimulationTimeoutError',
  'StoreWriteError',
  // The HTML report.
  'ReportBuilder',
  'divergenceSampler',
  'readTraceFile',
  'renderReport',
  'writeReport',
]

const arbitraryNames = ['faultPlan', 'networkOptions', 'scenarioInput', 'taskSubmit', 'workload']

const sorted = (names: Iterable<string>) => [...names].sort()

describe('isthmus/sim public surface', () => {
  it('exports exactly the listed runtime names', () => {
    expect(sorted(Object.keys(sim))).toEqual(sorted(publicNames))
  })

  it('exports exactly the listed arbitraries', () => {
    expect(sorted(Object.keys(sim.arbitraries))).toEqual(sorted(arbitraryNames))
  })

  it('keeps the shapes DESIGN.md §3 names', () => {
    expect(typeof sim.Simulation.create).toBe('function')
    expect(typeof sim.runScenario).toBe('function')
    expect(typeof sim.arbitraries.faultPlan).toBe('function')
    expect(typeof sim.arbitraries.workload).toBe('function')
  })

  it('lists every name once', () => {
    expect(new Set(publicNames).size).toBe(publicNames.length)
    expect(new Set(arbitraryNames).size).toBe(arbitraryNames.length)
  })
})
