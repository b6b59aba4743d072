/**
 * `isthmus/sim`: the deterministic network simulator. Nodes run under virtual
 * time on a simulated network, faults are verbs or plain-data plans, invariants
 * are checked as the run goes, and a run's trace hash is its fingerprint.
 */

/** The invariants of DESIGN.md §4 over real nodes (`check()` includes the defaults with real nodes). */
export {
  agentInvariants,
  checkReplicasAtAck,
  defaultAgentInvariants,
  docConvergence,
  noLostWrite,
  vectorsEqual,
  viewsHealed,
} from './agent-invariants.ts'
/** Real isthmus nodes in the simulator: the factory. */
export { type AgentLike, type AgentSimOptions, agentNodeFactory, isAgentLike } from './agent-nodes.ts'
/** The write workload of real nodes: unique values, checked by value. */
export {
  type AckedWrites,
  AGENT_OPS,
  applyWrite,
  docsOf,
  parseWriteArgs,
  type WriteArgs,
  writesFromSeed,
} from './agent-workload.ts'
/** fast-check arbitraries: `arbitraries.faultPlan`, `.workload`, `.networkOptions`, `.scenarioInput`. */
export * as arbitraries from './arbitraries/index.ts'
/** Invariants: the registry's types and the built-in network invariants. */
export {
  Checkers,
  type CheckResult,
  type Invariant,
  linkFifo,
  type NetworkView,
  noDeliveryAcrossCut,
  VIOLATIONS_KEPT_MAX,
  type Violation,
} from './checkers.ts'
/** Records that rot while a node is down, under the never-every-copy rule. */
export { type CorruptionWitnesses, eligible as rotEligible, type RottedRecord } from './corruption.ts'
/** A node's durable store with byte-level faults (failed batches, torn writes, rot). */
export { type DurableStore, type SimStoreOptions, simDurableStore } from './durable-store.ts'
/** Errors: bad input, a runaway run, a timed-out `until`, a failed property, an injected write failure. */
export {
  ScenarioError,
  ScenarioFailure,
  SimulationLimitError,
  SimulationTimeoutError,
  StoreWriteError,
} from './errors.ts'
/** The one event queue (a binary heap by time, then sequence). */
export { EVENTS_QUEUED_MAX_DEFAULT, type EventKind, EventQueue, type SimEvent } from './event-queue.ts'
/** Fault plans as data: the verbs, one step, validation naming the bad field. */
export {
  type CorruptOptions,
  type CrashOptions,
  FAULT_NAMES,
  type FaultName,
  type FaultStep,
  PLAN_STEPS_MAX,
  parseFaultPlan,
  STORAGE_FAULT_COUNT_MAX,
  type StoreFaultOptions,
  type SwizzleOptions,
} from './fault-plan.ts'
/** The default node: it only opens its store and starts its transport. */
export { idleNode } from './idle-node.ts'
/** Latency distributions: uniform, normal, long-tailed (Pareto). */
export { drawLatencyMs, type LatencyModel, type LatencyOption, toLatencyModel } from './latency.ts'
/** Link tables of the partition faults, as pure functions. */
export {
  bridgeLinks,
  type DirectedLink,
  isolateLinks,
  majoritiesRingLinks,
  partitionLinks,
  unorderedPairs,
} from './links.ts'
/** The simulated network and its transports' address scheme. */
export { type Endpoint, SIM_ADDRESS_PREFIX, SimNetwork } from './network.ts'
/** Network options, their defaults and validation. */
export {
  NETWORK_DEFAULTS,
  type NetworkOptions,
  type ResolvedNetworkOptions,
  resolveNetworkOptions,
} from './network-options.ts'
/** What a node factory gets and returns; `NodeStatus` is a node's lifecycle state. */
export type { NodeStatus, SimNodeContext, SimNodeFactory, SimNodeLike } from './node-host.ts'
/** Node ids: the pattern, the bound, and the ids a `nodes` option names. */
export { NODE_ID_PATTERN, NODES_MAX, nodeIdsOf } from './node-ids.ts'
/** Property tests over scenarios: shrink, write the replay file, print the command. */
export { type CheckScenariosOptions, checkScenarios, type ScenarioInput } from './property.ts'
/** Runs one scenario (safety phase, then liveness phase) and returns its verdict. */
export { runScenario, type ScenarioOptions, type Verdict } from './scenario.ts'
/** Scenario files: load, validate, write; the replay command. */
export {
  loadScenarioFile,
  parseScenarioFile,
  replayCommand,
  SCENARIO_FILE_VERSION,
  type ScenarioFile,
  writeScenarioFile,
} from './scenario-file.ts'
/** Virtual time and the run loop under a simulation. */
export { SCHEDULER_LIMITS_DEFAULT, Scheduler, type SchedulerLimits } from './scheduler.ts'
/** The simulated store: a node's durable store behind the crash fence, with an optional sync delay. */
export {
  type CrashLoss,
  type CrashOutcome,
  type FencedStore,
  fencedStore,
  HELD_WRITES_MAX,
} from './sim-store.ts'
/** The simulated Transport (for harnesses that build networks by hand). */
export { type SimTransport, simTransport } from './sim-transport.ts'
/** A simulation: nodes, network, faults, virtual time, checks. Build one with `Simulation.create`. */
export { type SimFigures, Simulation, type SimulationOptions } from './simulation.ts'
/** Swarm testing: fault rates and network options drawn from the seed. */
export { drawSwarm, SWARM_RATE_PER_MIN_MAX, type SwarmDraw, type SwarmRates, swarmPlan } from './swarm.ts'
/** The simulator's task handlers and the task workload. */
export { SIM_TASK_KINDS, type SimTaskKind, type SimTaskTimings, simTaskHandlers } from './task-handlers.ts'
export { applySubmit, type SubmitArgs, type TaskWorkloadOptions, tasksFromSeed } from './task-workload.ts'
/** The trace: record types, line format, hashing. */
export {
  type DropReason,
  formatTraceLine,
  type NodeEventName,
  Trace,
  type TraceKind,
  type TraceOptions,
  type TraceRecord,
} from './trace.ts'
/** Virtual clocks: a node's skew and drift, and the Clock it sees. */
export { ClockSetting, type Life, virtualClock } from './virtual-clock.ts'
/** The work invariants (DESIGN §4-5), on by default with real nodes. */
export {
  checkpointsForward,
  compensatedOnce,
  defaultWorkInvariants,
  epochsIncrease,
  noLostTask,
  oneAcceptedResult,
} from './work-invariants.ts'
/** Tasks submitted and every handler execution of a run (`sim.work`). */
export { type HandlerRun, type SubmittedTask, WorkLedger, withRecordedHandlers } from './work-ledger.ts'
/** The ones that watch every step: fencing never backwards, no overlapping runs under majority. */
export { fencingMonotone, noOverlappingRuns } from './work-watchers.ts'
/** Client operations as data, applied through a scenario's `applyOp`. */
export { parseWorkload, WORKLOAD_OPS_MAX, type WorkloadOp } from './workload.ts'
/** Client writes issued and acknowledged in a run (`sim.writes`). */
export { type AckedWrite, WriteLedger } from './write-ledger.ts'
