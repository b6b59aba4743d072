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
        : [{ atMs: at(durationMs, 1 / 3), fault: 'crash' as const, args: [second, { loseUnsynced: true }] }]),
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
