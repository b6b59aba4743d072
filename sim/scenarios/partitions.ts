/**
 * The named scenarios that cut links: a clean split, a flapping one, Jepsen's
 * majorities ring and bridge, one-way cuts, and FoundationDB's swizzle. With
 * the default 6 s safety phase they are exactly the plans the simulator's own
 * tests run (test/sim/scenarios.ts).
 */
import type { FaultStep } from '../fault-plan.ts'
import { atFraction as at, flapPlan, idAt, type NamedScenario, scenarioDefaults } from './named-scenario.ts'

/** Two sides, the smaller first ([n1 n2] | [n3 n4 n5]), healed two thirds of the way in. */
export const partitionHeal: NamedScenario = {
  ...scenarioDefaults,
  name: 'partition-heal',
  summary: 'split into a minority and a majority, write on both sides, heal',
  plan(ids, durationMs) {
    const cut = Math.floor(ids.length / 2)
    return [
      { atMs: at(durationMs, 1 / 6), fault: 'partition', args: [[ids.slice(0, cut), ids.slice(cut)]] },
      { atMs: at(durationMs, 2 / 3), fault: 'heal', args: [] },
    ]
  },
}

/** Flaps: the first five nodes (at most) are isolated in turn, each for half a slot. */
export const flappingPartition: NamedScenario = {
  ...scenarioDefaults,
  name: 'flapping-partition',
  summary: 'isolate one node after another, healing in between',
  plan: (ids, durationMs) => flapPlan(ids, durationMs, 0.5),
}

/** Every node sees a majority, no two the same (the ring order is drawn from the seed). */
export const majoritiesRing: NamedScenario = {
  ...scenarioDefaults,
  name: 'majorities-ring',
  summary: 'every node sees a majority, no two the same majority (Jepsen)',
  nodesMin: 4,
  plan: (_ids, durationMs) => [
    { atMs: at(durationMs, 1 / 6), fault: 'majoritiesRing', args: [] },
    { atMs: at(durationMs, 3 / 4), fault: 'heal', args: [] },
  ],
}

/** Two sides that only one node in the middle reaches (sides drawn from the seed). */
export const bridge: NamedScenario = {
  ...scenarioDefaults,
  name: 'bridge',
  summary: 'two sides that cannot reach each other, one node bridging them (Jepsen)',
  nodesMin: 3,
  plan: (_ids, durationMs) => [
    { atMs: at(durationMs, 1 / 6), fault: 'bridge', args: [] },
    { atMs: at(durationMs, 3 / 4), fault: 'heal', args: [] },
  ],
}

/** Three one-way cuts, added one after another: connections stay up, frames vanish one way. */
export const oneWay: NamedScenario = {
  ...scenarioDefaults,
  name: 'one-way',
  summary: 'cut single directions (n1>n2, n3>n1, n5>n4): the connection stays up',
  plan(ids, durationMs) {
    const cuts: Array<[number, number, number]> = [
      [1 / 6, 0, 1],
      [1 / 4, 2, 0],
      [1 / 3, 4, 3],
    ]
    const steps: FaultStep[] = cuts
      .map(([fraction, from, to]) => ({
        atMs: at(durationMs, fraction),
        from: idAt(ids, from),
        to: idAt(ids, to),
      }))
      .filter(({ from, to }) => from !== to)
      .map(({ atMs, from, to }) => ({ atMs, fault: 'oneWay', args: [from, to] }))
    return [...steps, { atMs: at(durationMs, 3 / 4), fault: 'heal', args: [] }]
  },
}

/** Swizzle steps fit in 60% of the safety phase, at most every 150 ms (the simulator tests' pace). */
const swizzleStepMsMax = 150

export const swizzle: NamedScenario = {
  ...scenarioDefaults,
  name: 'swizzle',
  summary: 'cut links one by one, then restore them in random order (FoundationDB)',
  plan(ids, durationMs) {
    const steps = ids.length * (ids.length - 1)
    const stepMs = Math.max(1, Math.min(swizzleStepMsMax, Math.floor(at(durationMs, 0.6) / steps)))
    return [{ atMs: at(durationMs, 1 / 6), fault: 'swizzle', args: [{ stepMs }] }]
  },
}
