/**
 * What `Simulation.create` takes. See DESIGN.md §3 for the verbs and §5 for
 * the simulator's model.
 */
import type { Logger } from '../src/env/types.ts'
import type { AgentNode } from '../src/node/agent-node.ts'
import type { Store } from '../store/store.ts'
import type { AgentSimOptions } from './agent-nodes.ts'
import type { Invariant } from './checkers.ts'
import type { SimStoreOptions } from './durable-store.ts'
import type { NetworkOptions } from './network-options.ts'
import type { SimNodeFactory, SimNodeLike } from './node-host.ts'
import type { SchedulerLimits } from './scheduler.ts'
import type { TraceOptions } from './trace.ts'

/**
 * `S` is the simulation type the extra invariants check (`Simulation<N>`; see
 * `SimulationOptions` in simulation.ts): a parameter here, so that this file
 * need not import the class that imports it.
 */
export interface SimulationOptionsOf<N extends SimNodeLike = AgentNode, O = AgentSimOptions, S = unknown> {
  /** The one seed every draw derives from. Always explicit. */
  seed: number
  /** How many nodes (ids n1..nN), or their ids. Default 3. */
  nodes?: number | readonly string[]
  network?: NetworkOptions
  /** Options passed to every node's factory. */
  node?: O
  /** Builds a node incarnation. Default: a real isthmus node (createNode), see agent-nodes.ts. */
  createNode?: SimNodeFactory<N, O>
  /**
   * Each node's durable store, made once per node and reopened by every
   * incarnation. Default: a memory store the simulator holds the raw database
   * of (so `storeFault` and `corrupt` work), with `storeOptions`. A store
   * given here gets neither.
   */
  store?: (id: string) => Store
  /** Compaction thresholds of the default store: small ones make runs compact all the time. */
  storeOptions?: SimStoreOptions
  /** Virtual ms a write waits before it is durable and acknowledged (see `fencedStore`). Default 0. */
  storeSyncMs?: number
  trace?: TraceOptions
  /** Where node logs go (each line carries the node id). Default silent. */
  log?: Logger
  limits?: Partial<SchedulerLimits>
  /** Invariants to add to the built-in ones. */
  invariants?: Invariant<S>[]
  /** Virtual ms the first boot of every node may take. Default 60 000. */
  startMsMax?: number
  /**
   * Include the real-node invariants (convergence of values and vectors, no
   * lost acknowledged write; see agent-invariants.ts) in `check()`, and let
   * `runUntilQuiet` wait for settled nodes. Default: on when every node the
   * factory built answers `pendingWork`, `documentValues` and `versionVector`.
   */
  agentChecks?: boolean
}

/** Counts of what a run did, for verdicts and reports. */
export interface SimFigures {
  virtualMs: number
  events: number
  sends: number
  deliveries: number
  drops: number
  duplicates: number
  faults: number
  traceLines: number
  violations: number
}
