/**
 * The faults of #3 (failure detection) and the detector settings it runs.
 * A plan is drawn once per case from the seed and replayed unchanged under
 * every detector setting, so each faces the same crashes and stalls.
 */
import type { AgentSimOptions } from '../../sim/agent-nodes.ts'
import type { Random } from '../../src/env/types.ts'

/** Detector settings as createNode takes them. */
export type DetectorOptions = Pick<
  AgentSimOptions,
  'heartbeatMs' | 'phiThreshold' | 'minStdDeviationMs' | 'acceptablePauseMs' | 'deadAfterMs'
>

export interface DetectorConfig {
  name: string
  options: DetectorOptions
}

/** isthmus's defaults at 250 ms heartbeats (src/node/options.ts fills in the rest). */
export const isthmusDefaults: DetectorConfig = { name: 'isthmus defaults', options: { heartbeatMs: 250 } }

/**
 * Akka's failure-detector defaults (akka.cluster.failure-detector): heartbeat
 * 1 s, threshold 8, acceptable-heartbeat-pause 3 s, min-std-deviation 100 ms.
 * Akka has no "dead" of its own (downing is a separate decision, the split
 * brain resolver's stable-after is 20 s): dead after 20 s here, 20
 * heartbeats, as isthmus's default ratio.
 */
export const akkaDefaults: DetectorConfig = {
  name: 'Akka defaults',
  options: {
    heartbeatMs: 1_000,
    phiThreshold: 8,
    minStdDeviationMs: 100,
    acceptablePauseMs: 3_000,
    deadAfterMs: 20_000,
  },
}

/**
 * memberlist's DefaultLANConfig, modelled with our detector (memberlist
 * probes instead of heartbeating): a heartbeat per probe interval (1 s), the
 * probe timeout (500 ms) as the acceptable pause, so suspicion comes about a
 * probe interval plus a timeout after the last sign of life; dead after the
 * probe interval plus the suspicion timeout, SuspicionMult 4 × max(1,
 * log10(n)) × probe interval (4 s up to 10 nodes, 6.8 s at 50).
 */
export function memberlistLan(nodes: number): DetectorConfig {
  const probeIntervalMs = 1_000
  const suspicionMs = 4 * Math.max(1, Math.log10(nodes)) * probeIntervalMs
  return {
    name: 'memberlist LAN model',
    options: {
      heartbeatMs: probeIntervalMs,
      phiThreshold: 8,
      minStdDeviationMs: 100,
      acceptablePauseMs: 500,
      deadAfterMs: Math.round(probeIntervalMs + suspicionMs),
    },
  }
}

/** A crash of `id` at `atMs`, restarted at `restartMs`. */
export interface PlannedCrash {
  id: string
  atMs: number
  restartMs: number
}

/** `id` stalls (a stopped process: timers and frames wait) from `atMs` for `ms`. */
export interface PlannedStall {
  id: string
  atMs: number
  ms: number
}

export interface FaultPlan {
  crashes: PlannedCrash[]
  stalls: PlannedStall[]
  /** The same as a simulator fault plan (virtual ms from the start). */
  steps: Array<{ atMs: number; fault: 'crash' | 'restart' | 'pause'; args: unknown[] }>
}

export interface PlanOptions {
  ids: readonly string[]
  /** Faults start after this (detectors have learnt the intervals). */
  warmupMs: number
  durationMs: number
  /** One crash and one stall per cycle. */
  cycleMs: number
  /** A crashed node restarts after this long: past every setting's dead time. */
  restartAfterMs: number
  stallMsMin: number
  stallMsMax: number
  /** Plan the stalls (default true). */
  stalls?: boolean
}

function overlaps(aStart: number, aEnd: number, bStart: number, bEnd: number): boolean {
  return aStart < bEnd && bStart < aEnd
}

/**
 * Per cycle: a crash of a random node that is up, early in the cycle, and a
 * stall of another node that is up, in its second half. Nothing is planned
 * that would end past the run.
 */
export function planFaults(o: PlanOptions, random: Random): FaultPlan {
  const plan: FaultPlan = { crashes: [], stalls: [], steps: [] }
  const busy = (id: string, startMs: number, endMs: number) =>
    plan.crashes.some((c) => c.id === id && overlaps(c.atMs, c.restartMs, startMs, endMs)) ||
    plan.stalls.some((s) => s.id === id && overlaps(s.atMs, s.atMs + s.ms, startMs, endMs))
  const pick = (startMs: number, endMs: number) => {
    const free = o.ids.filter((id) => !busy(id, startMs, endMs))
    return free[Math.floor(random.next() * free.length)]
  }
  for (let cycleMs = o.warmupMs; cycleMs + o.cycleMs <= o.durationMs; cycleMs += o.cycleMs) {
    const crashMs = Math.round(cycleMs + (random.next() * o.cycleMs) / 4)
    const restartMs = crashMs + o.restartAfterMs
    const crashed = restartMs < o.durationMs ? pick(crashMs, restartMs) : undefined
    if (crashed !== undefined) {
      plan.crashes.push({ id: crashed, atMs: crashMs, restartMs })
      plan.steps.push({ atMs: crashMs, fault: 'crash', args: [crashed] })
      plan.steps.push({ atMs: restartMs, fault: 'restart', args: [crashed] })
    }
    if (o.stalls === false) continue
    const stallMs = Math.round(cycleMs + o.cycleMs / 2 + (random.next() * o.cycleMs) / 4)
    const ms = Math.round(o.stallMsMin + random.next() * (o.stallMsMax - o.stallMsMin))
    const stalled = pick(stallMs, stallMs + ms)
    if (stalled !== undefined) {
      plan.stalls.push({ id: stalled, atMs: stallMs, ms })
      plan.steps.push({ atMs: stallMs, fault: 'pause', args: [stalled, ms] })
    }
  }
  plan.steps.sort((a, b) => a.atMs - b.atMs)
  return plan
}
