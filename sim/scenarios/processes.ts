/**
 * The named scenarios that hit processes and clocks rather than links, and
 * the swarm scenario whose faults the seed draws.
 */
import { atFraction as at, idAt, type NamedScenario, scenarioDefaults } from './named-scenario.ts'

/** Two crashes, the second losing writes not yet synced, then both restart. */
export const crashRestart: NamedScenario = {
  ...scenarioDefaults,
  name: 'crash-restart',
  summary: 'crash two nodes (one losing its unsynced tail), restart them',
  // Writes take 5 ms to become durable, so a machine crash has a tail to lose.
  storeSyncMs: 5,
  plan(ids, durationMs) {
    const first = idAt(ids, 1)
    const second = ids[Math.min(3, ids.length - 1)] as string
    const twice = first === second
    return [
      { atMs: at(durationMs, 1 / 6), fault: 'crash', args: [first] },
      ...(twice
        ? []
        : [{ atMs: at(durationMs, 1 / 3), fault: 'crash' as const, args: [second, { lose: 'unsynced' }] }]),
      { atMs: at(durationMs, 1 / 2), fault: 'restart', args: [first] },
      ...(twice ? [] : [{ atMs: at(durationMs, 3 / 4), fault: 'restart' as const, args: [second] }]),
    ]
  },
}

/** Clocks off by ±1 s, two drifting 8%, a stalled process, and an isolation while all that holds. */
export const clockSkew: NamedScenario = {
  ...scenarioDefaults,
  name: 'clock-skew',
  summary: 'skewed and drifting clocks, a paused process, an isolated node',
  plan: (ids, durationMs) => [
    { atMs: 0, fault: 'skew', args: [idAt(ids, 0), 700] },
    { atMs: 0, fault: 'skew', args: [idAt(ids, 1), -900] },
    { atMs: at(durationMs, 1 / 12), fault: 'drift', args: [idAt(ids, 2), 1.08] },
    { atMs: at(durationMs, 1 / 12), fault: 'drift', args: [idAt(ids, 3), 0.92] },
    { atMs: at(durationMs, 1 / 6), fault: 'pause', args: [idAt(ids, 4), at(durationMs, 1 / 4)] },
    { atMs: at(durationMs, 1 / 3), fault: 'isolate', args: [idAt(ids, 0)] },
    { atMs: at(durationMs, 2 / 3), fault: 'heal', args: [] },
  ],
}

/** The seed draws the network (loss, duplication, reordering, latency) and the fault rates. */
export const swarm: NamedScenario = {
  ...scenarioDefaults,
  name: 'swarm',
  summary: 'network options and fault rates drawn from the seed (swarm testing)',
  network: {},
  storeSyncMs: 5,
  swarm: true,
  plan: () => [],
}

/**
 * Storage faults with a partition: a write batch fails on one node (disk
 * full) while the network is split, another loses its unsynced tail to a
 * power loss, and a third has records rot while it is down, under the rule
 * that another running node holds a copy of whatever rots. Every node must
 * recover what it lost from its peers and converge.
 */
export const storageFaults: NamedScenario = {
  ...scenarioDefaults,
  name: 'storage-faults',
  summary: 'failed write batches, a power loss, records rotting while down, and a partition',
  nodesMin: 3,
  // Writes take 5 ms to sync, so a power loss has an unsynced tail to drop or tear.
  storeSyncMs: 5,
  plan(ids, durationMs) {
    const cut = Math.floor(ids.length / 2)
    const [a, b, c] = [idAt(ids, 0), idAt(ids, 1), idAt(ids, 2)]
    return [
      { atMs: at(durationMs, 1 / 12), fault: 'storeFault', args: [a, { failWrites: 1 }] },
      { atMs: at(durationMs, 1 / 6), fault: 'partition', args: [[ids.slice(0, cut), ids.slice(cut)]] },
      { atMs: at(durationMs, 1 / 4), fault: 'storeFault', args: [c, { failWrites: 2 }] },
      { atMs: at(durationMs, 1 / 3), fault: 'crash', args: [b, { lose: 'unsynced' }] },
      { atMs: at(durationMs, 5 / 12), fault: 'heal', args: [] },
      { atMs: at(durationMs, 1 / 2), fault: 'crash', args: [c] },
      { atMs: at(durationMs, 1 / 2) + 1, fault: 'corrupt', args: [c, { records: 2 }] },
      { atMs: at(durationMs, 7 / 12), fault: 'restart', args: [b] },
      { atMs: at(durationMs, 2 / 3), fault: 'restart', args: [c] },
      { atMs: at(durationMs, 3 / 4), fault: 'storeFault', args: [b, { failWrites: 1 }] },
    ]
  },
}
