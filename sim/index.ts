/**
 * `isthmus/sim`: the deterministic network simulator. Nodes run under virtual
 * time on a simulated network, faults are verbs or plain-data plans, invariants
 * are checked as the run goes, and a run's trace hash is its fingerprint.
 *
 * This is the public surface, and only that: a simulation and its options,
 * the scenario runner and the named scenarios, fault plans and scenario
 * files, the checkers (network, document and work invariants), the fast-check
 * arbitraries and the HTML report. The machinery underneath (event queue,
 * scheduler, simulated network and stores, ledgers, trace writer) is
 * imported from its own module inside this repo and is not part of the API;
 * test/sim/public-surface.test.ts pins the list of names.
 */

/**
 * The invariants of DESIGN.md §4 over real nodes: `agentInvariants(acked?)` is what a
 * scenario over real nodes checks (the defaults plus `viewsHealed`), `defaultAgentInvariants()`
 * what `sim.check()` includes with real nodes; each one is also exported on its own.
 */
export {
  type AgentSimView,
  agentInvariants,
  defaultAgentInvariants,
  docConvergence,
  noLostWrite,
  vectorsEqual,
  viewsHealed,
} from './agent-invariants.ts'
/** `agentNodeFactory`: real isthmus nodes (createNode) in the simulator, the default `createNode`. */
export { type AgentSimOptions, agentNodeFactory } from './agent-nodes.ts'
/**
 * `applyWrite(acked?)`: the `applyOp` of real nodes (`write`, and `submit` with `tasks`); every
 * acknowledged write carries a unique value and lands in `acked` and `sim.writes`.
 */
export { type AckedWrites, applyWrite, type WriteArgs } from './agent-workload.ts'
/** fast-check arbitraries: `arbitraries.faultPlan`, `.workload`, `.networkOptions`, `.scenarioInput`, `.taskSubmit`. */
export * as arbitraries from './arbitraries/index.ts'
/**
 * What an invariant is and what `sim.check()` returns, and the built-in network invariants:
 * `linkFifo()` (frames on one link arrive in order unless reordering is on) and
 * `noDeliveryAcrossCut()` (no frame crosses a cut link).
 */
export {
  type CheckResult,
  type Invariant,
  linkFifo,
  type NetworkView,
  noDeliveryAcrossCut,
  type Violation,
} from './checkers.ts'
/** Compaction thresholds of the simulated stores (`storeOptions`, a scenario file's `store`). */
export type { SimStoreOptions } from './durable-store.ts'
/**
 * Errors: `ScenarioError` (bad input, naming the field), `ScenarioFailure` (a property failed; it
 * carries the replay command), `SimulationLimitError` (a runaway run), `SimulationTimeoutError`
 * (`until` ran out of time), `StoreWriteError` (an injected write failure).
 */
export {
  ScenarioError,
  ScenarioFailure,
  SimulationLimitError,
  SimulationTimeoutError,
  StoreWriteError,
} from './errors.ts'
/** Fault plans as data: `FAULT_NAMES` (the verbs), the step and argument types, and `parseFaultPlan`, which names the bad field. */
export {
  type CorruptOptions,
  type CrashOptions,
  FAULT_NAMES,
  type FaultName,
  type FaultStep,
  parseFaultPlan,
  type StoreFaultOptions,
  type SwizzleOptions,
} from './fault-plan.ts'
/** Latency as `[min, max]` (uniform) or a distribution (normal, Pareto). */
export type { LatencyModel, LatencyOption } from './latency.ts'
/** The simulated network's options: latency, loss, duplication, reordering. */
export type { NetworkOptions } from './network-options.ts'
/** What a node factory gets and returns (`createNode` of a simulation); `NodeStatus` is a node's lifecycle state. */
export type { NodeStatus, SimNodeContext, SimNodeFactory, SimNodeLike } from './node-host.ts'
/** `checkScenarios`: a property over scenarios; a failure shrinks, writes its replay file and throws `ScenarioFailure`. */
export { type CheckScenariosOptions, checkScenarios, type ScenarioInput } from './property.ts'
/**
 * The HTML report: `ReportBuilder` takes trace lines (and the `scenario`, `sample` and `verdict`
 * annotations) one at a time, `divergenceSampler` samples each node's divergence as a run goes,
 * `readTraceFile` reads a saved trace, `renderReport`/`writeReport` turn the model into one page.
 */
export {
  type DivergenceSampler,
  divergenceSampler,
  ReportBuilder,
  type ReportModel,
  type ReportRecord,
  readTraceFile,
  renderReport,
  type SampleRecord,
  type ScenarioRecord,
  type VerdictRecord,
  writeReport,
} from './report/index.ts'
/** `runScenario`: one scenario, a safety phase with faults then a liveness phase, returned as a verdict. */
export { runScenario, type ScenarioOptions, type Verdict, type VerdictFigures } from './scenario.ts'
/** Scenario files (what `--scenario FILE`/`--plan FILE` read and a failing property writes): validate, load, write. */
export {
  loadScenarioFile,
  parseScenarioFile,
  SCENARIO_FILE_VERSION,
  type ScenarioFile,
  writeScenarioFile,
} from './scenario-file.ts'
/**
 * The named scenarios of `isthmus sim --scenario NAME`, as data: `namedScenarios` (all of them),
 * `scenarioNames`, `namedScenario(name)` (throws `ScenarioError` for an unknown name), and what a
 * run of one needs besides its plan: `namedWorkload` (the seed's writes and submissions) and
 * `namedNodeOptions` (its work options over yours).
 */
export {
  type NamedScenario,
  type NamedTaskWork,
  namedNodeOptions,
  namedScenario,
  namedScenarios,
  namedWorkload,
  scenarioNames,
} from './scenarios/index.ts'
/** A run's runaway guards (events queued, events at one instant, events held for a paused node): the `limits` option. */
export type { SchedulerLimits } from './scheduler.ts'
/** A simulation: nodes, network, faults, virtual time, checks (DESIGN.md §3). Build one with `Simulation.create`. */
export { type SimFigures, Simulation, type SimulationOptions } from './simulation.ts'
/** What a swarm run drew from its seed (`verdict.swarm`). */
export type { SwarmDraw, SwarmRates } from './swarm.ts'
/** A scenario's `tasks` option: the simulator's task handlers on every node, with these timings. */
export type { SimTaskTimings } from './task-handlers.ts'
/** A scenario's `tasks` option (see `SimTaskTimings`). */
export type { SimTaskOptions } from './task-scenario.ts'
/** The arguments of a `submit` operation, and how a seed draws submissions (a named task scenario's workload). */
export type { SubmitArgs, TaskWorkloadOptions } from './task-workload.ts'
/** The trace a run records (JSON lines, `trace.sink`), record by record. */
export type { DropReason, NodeEventName, TraceKind, TraceOptions, TraceRecord } from './trace.ts'
/**
 * The work invariants of DESIGN.md §4-5, on by default with real nodes (`defaultWorkInvariants`);
 * each one is also exported on its own.
 */
export {
  checkpointsForward,
  compensatedOnce,
  defaultWorkInvariants,
  epochsIncrease,
  noLostTask,
  oneAcceptedResult,
  type WorkSimView,
} from './work-invariants.ts'
/** What a run recorded of its tasks (`sim.work`): the submissions and every handler execution. */
export type { HandlerRun, SubmittedTask } from './work-ledger.ts'
/** The work invariants that watch every step: fencing never goes backwards, no overlapping runs under `majority`. */
export { fencingMonotone, noOverlappingRuns, type WorkWatchView } from './work-watchers.ts'
/** A client operation as data (`{ atMs, node, op, args }`), applied through a scenario's `applyOp`. */
export type { WorkloadOp } from './workload.ts'
/** An acknowledged write, as `sim.writes` and `AckedWrites` hold it. */
export type { AckedWrite } from './write-ledger.ts'
