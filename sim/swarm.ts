/**
 * Swarm testing: a seed draws the fault rates themselves, not only the faults.
 * Each fault family is switched on or off by the seed (so some runs are
 * crash-only, some partition-heavy, some clean), its rate drawn, and the
 * network's loss, duplication, reordering and latency drawn too. Everything
 * drawn is logged with the seed (an `options` trace line and the verdict).
 */
import type { Random } from '../src/env/types.ts'
import type { FaultStep } from './fault-plan.ts'
import { shuffled } from './faults.ts'
import type { NetworkOptions } from './network-options.ts'

/** Faults per virtual minute for each family (0: off). */
export interface SwarmRates {
  partitionsPerMin: number
  crashesPerMin: number
  pausesPerMin: number
  clockFaultsPerMin: number
  /** Failed write batches (1 to 3 at a time) on a random node. */
  storeFaultsPerMin: number
  /** Power losses (a crash losing the unsynced tail), each followed by a restart. */
  powerLossesPerMin: number
  /** A crash, records rotting while down (1 to 3), a restart. */
  rotsPerMin: number
}

/** What a seed drew. */
export interface SwarmDraw {
  network: NetworkOptions & { latencyMs: [number, number] }
  rates: SwarmRates
}

/** The most faults of one family per virtual minute a swarm draws: beyond it nodes only ever recover. */
export const SWARM_RATE_PER_MIN_MAX = 12

/** Rounds to 3 decimals so drawn options print short and replay exactly from JSON. */
const short = (x: number) => Math.round(x * 1000) / 1000

function rate(random: Random): number {
  return random.next() < 0.5 ? 0 : short(1 + random.next() * (SWARM_RATE_PER_MIN_MAX - 1))
}

/** Draws network options and fault rates from `random` (use `seededRandom(seed).fork('swarm')`). */
export function drawSwarm(random: Random): SwarmDraw {
  const minMs = short(random.next() * 5)
  const network = {
    latencyMs: [minMs, short(minMs + random.next() * 50)] as [number, number],
    loss: random.next() < 0.5 ? 0 : short(random.next() * 0.1),
    duplicate: random.next() < 0.5 ? 0 : short(random.next() * 0.05),
    reorder: random.next() < 0.5,
  }
  const rates = {
    partitionsPerMin: rate(random),
    crashesPerMin: rate(random),
    pausesPerMin: rate(random),
    clockFaultsPerMin: rate(random),
    storeFaultsPerMin: rate(random),
    powerLossesPerMin: rate(random),
    rotsPerMin: rate(random),
  }
  return { network, rates }
}

/** How many faults of a family at `perMin` over `durationMs`, rounded by a draw (so 0.3 expected gives 0 or 1). */
function countOf(perMin: number, durationMs: number, random: Random): number {
  const expected = (perMin * durationMs) / 60_000
  return Math.floor(expected + random.next())
}

function partitionSteps(ids: readonly string[], atMs: number, holdMs: number, random: Random): FaultStep[] {
  const order = shuffled(ids, random)
  const cut = 1 + Math.floor(random.next() * (ids.length - 1))
  const kinds: FaultStep[] = [
    { atMs, fault: 'partition', args: [[order.slice(0, cut), order.slice(cut)]] },
    { atMs, fault: 'isolate', args: [order[0]] },
    { atMs, fault: 'majoritiesRing', args: [order] },
    { atMs, fault: 'oneWay', args: [order[0], order[1]] },
  ]
  const step = kinds[Math.floor(random.next() * (ids.length > 1 ? kinds.length : 0))]
  return step === undefined ? [] : [step, { atMs: atMs + holdMs, fault: 'heal', args: [] }]
}

/** A plan over `durationMs` with faults at the drawn rates; every fault is undone before the end. */
export function swarmPlan(
  ids: readonly string[],
  durationMs: number,
  rates: SwarmRates,
  random: Random,
): FaultStep[] {
  const steps: FaultStep[] = []
  const at = () => Math.floor(random.next() * durationMs * 0.8)
  const hold = () => Math.floor(200 + random.next() * durationMs * 0.2)
  const node = () => ids[Math.floor(random.next() * ids.length)] as string
  for (let i = countOf(rates.partitionsPerMin, durationMs, random); i > 0; i--) {
    steps.push(...partitionSteps(ids, at(), hold(), random))
  }
  for (let i = countOf(rates.crashesPerMin, durationMs, random); i > 0; i--) {
    const atMs = at()
    const id = node()
    steps.push({ atMs, fault: 'crash', args: [id] }, { atMs: atMs + hold(), fault: 'restart', args: [id] })
  }
  for (let i = countOf(rates.pausesPerMin, durationMs, random); i > 0; i--) {
    steps.push({ atMs: at(), fault: 'pause', args: [node(), hold()] })
  }
  for (let i = countOf(rates.clockFaultsPerMin, durationMs, random); i > 0; i--) {
    const clock: FaultStep =
      random.next() < 0.5
        ? { atMs: at(), fault: 'skew', args: [node(), Math.round((random.next() - 0.5) * 2000)] }
        : { atMs: at(), fault: 'drift', args: [node(), short(0.9 + random.next() * 0.2)] }
    steps.push(clock)
  }
  steps.push(...storageSteps(rates, durationMs, random, { at, hold, node }))
  return steps.sort((a, b) => a.atMs - b.atMs)
}

/** The storage families: failed batches, power losses, rot while down; every crash is restarted. */
function storageSteps(
  rates: SwarmRates,
  durationMs: number,
  random: Random,
  draw: { at(): number; hold(): number; node(): string },
): FaultStep[] {
  const steps: FaultStep[] = []
  const some = () => 1 + Math.floor(random.next() * 3)
  for (let i = countOf(rates.storeFaultsPerMin, durationMs, random); i > 0; i--) {
    steps.push({ atMs: draw.at(), fault: 'storeFault', args: [draw.node(), { failWrites: some() }] })
  }
  for (let i = countOf(rates.powerLossesPerMin, durationMs, random); i > 0; i--) {
    const [atMs, id] = [draw.at(), draw.node()]
    steps.push(
      { atMs, fault: 'crash', args: [id, { lose: 'unsynced' }] },
      { atMs: atMs + draw.hold(), fault: 'restart', args: [id] },
    )
  }
  for (let i = countOf(rates.rotsPerMin, durationMs, random); i > 0; i--) {
    const [atMs, id] = [draw.at(), draw.node()]
    steps.push(
      { atMs, fault: 'crash', args: [id] },
      { atMs: atMs + 1, fault: 'corrupt', args: [id, { records: some() }] },
      { atMs: atMs + 1 + draw.hold(), fault: 'restart', args: [id] },
    )
  }
  return steps
}
