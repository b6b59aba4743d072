/**
 * A named scenario: the faults of one well-known failure pattern as plain
 * data, over any set of node ids and any safety-phase length. Step times are
 * fractions of the safety phase, so `--duration 60000` stretches the same
 * story instead of leaving 54 quiet seconds after it.
 */
import type { SimStoreOptions } from '../durable-store.ts'
import type { FaultStep } from '../fault-plan.ts'
import type { NetworkOptions } from '../network-options.ts'
import type { SimTaskOptions } from '../task-scenario.ts'
import type { TaskWorkloadOptions } from '../task-workload.ts'

export interface NamedScenario {
  readonly name: string
  /** One line for `isthmus sim --help` and the report header. */
  readonly summary: string
  /** Fewer nodes cannot show the failure (a majorities ring needs 4). */
  readonly nodesMin: number
  /** The safety phase, unless `--duration` says otherwise. */
  readonly durationMsDefault: number
  /** Bound on the liveness phase: heal, restart, and every invariant must hold by then. */
  readonly livenessMsMax: number
  readonly network: NetworkOptions
  /** Virtual ms a write waits before it is durable (a crash then loses the unsynced tail). */
  readonly storeSyncMs: number
  /** A client write every this many virtual ms on average, on a node drawn from the seed. */
  readonly writeEveryMs: number
  /** Faults and network options drawn from the seed instead of `plan` (swarm testing). */
  readonly swarm: boolean
  /** Compaction thresholds of every node's store (recorded in the trace's options line). */
  readonly store: SimStoreOptions
  /** The fault plan for `ids` over a safety phase of `durationMs`. */
  plan(ids: readonly string[], durationMs: number): FaultStep[]
  /** Task work beside the writes (task scenarios only; see tasks.ts). */
  readonly tasks?: NamedTaskWork
}

/** A named scenario's task work: what the seed submits, the handlers' timings, and the work options of every node. */
export interface NamedTaskWork {
  workload: TaskWorkloadOptions
  handlers: SimTaskOptions
  /** createNode's work options: who may take over while split, and the lease. */
  node: { partitionPolicy: 'majority' | 'availability'; leaseMs?: number }
}

/** The network every named scenario runs on unless it says otherwise: a lossy LAN. */
export const lossyLan: NetworkOptions = { latencyMs: [1, 40], loss: 0.02, duplicate: 0.01 }

/**
 * Compaction thresholds every named scenario runs with: a run writes ~20
 * updates per document per node, so a log of 4 entries (or 1 KiB) compacts
 * each document on each node several times per run, and restarts load from
 * snapshots, not just logs (store defaults: 5,000 entries / 256 KiB, never
 * reached by a simulated run).
 */
export const compactingStore: SimStoreOptions = { compactCount: 4, compactBytes: 1024 }

/** Fields every named scenario shares; each file overrides what its story needs. */
export const scenarioDefaults = {
  nodesMin: 2,
  durationMsDefault: 6000,
  livenessMsMax: 20_000,
  network: lossyLan,
  storeSyncMs: 0,
  writeEveryMs: 150,
  swarm: false,
  store: compactingStore,
} as const

/** `fraction` of the way into a safety phase of `durationMs`, in whole virtual ms. */
export function atFraction(durationMs: number, fraction: number): number {
  return Math.round(durationMs * fraction)
}

/**
 * Up to five nodes isolated one after another across the middle two thirds of
 * the safety phase, each cut for `cutShare` of its slot, then healed.
 */
export function flapPlan(ids: readonly string[], durationMs: number, cutShare: number): FaultStep[] {
  const flaps = Math.min(ids.length, 5)
  const slotMs = atFraction(durationMs, 4 / 6) / flaps
  const startMs = atFraction(durationMs, 1 / 6)
  return ids.slice(0, flaps).flatMap((id, i): FaultStep[] => [
    { atMs: Math.round(startMs + i * slotMs), fault: 'isolate', args: [id] },
    { atMs: Math.round(startMs + (i + cutShare) * slotMs), fault: 'heal', args: [] },
  ])
}

/** The id at `i`, wrapping around, so plans written for five nodes still run on fewer. */
export function idAt(ids: readonly string[], i: number): string {
  return ids[i % ids.length] as string
}
