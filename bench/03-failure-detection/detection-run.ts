/**
 * One #3 run: real isthmus nodes under one detector setting and one fault
 * plan, every `member` event recorded (observer, peer, status, virtual time),
 * then read against the plan:
 *
 * - detection: for each crash, the time until every observer that was up and
 *   not stalled around it marked the crashed node suspect (and dead);
 * - false suspicions: an observer's alive → suspect/dead about a peer that
 *   was up, where neither was stalled at the time or within STALL_GRACE_MS
 *   after (those are counted apart, as stall suspicions).
 */
import { type AgentSimOptions, agentNodeFactory } from '../../sim/agent-nodes.ts'
import type { LatencyModel } from '../../sim/latency.ts'
import type { SimNodeFactory } from '../../sim/node-host.ts'
import { Simulation } from '../../sim/simulation.ts'
import type { Reachability } from '../../src/membership/heartbeat-frame.ts'
import { PHI_WINDOW_SAMPLES_MAX } from '../../src/membership/phi-accrual.ts'
import type { AgentNode } from '../../src/node/agent-node.ts'
import type { DetectorConfig, FaultPlan, PlannedCrash } from './detection-plan.ts'

/** createNode's default heartbeat (src/node/options.ts). */
const DEFAULT_HEARTBEAT_MS = 250
/** Lost heartbeats and stalls stretch PHI_WINDOW_SAMPLES_MAX samples past as many heartbeat periods. */
const FRESH_WINDOW_MARGIN = 1.25
/** After a stall ends, the stalled node's frames take a latency to arrive: suspicions until then are the stall's. */
const STALL_GRACE_MS = 2_000
/** An observer must be up and unstalled from this long before a crash to count for its detection. */
const OBSERVER_SETTLED_MS = 5_000

export interface DetectionCase {
  nodes: number
  latency: LatencyModel
  loss: number
  /** Virtual ms of the run, and of the warm-up before faults and counting start. */
  durationMs: number
  warmupMs: number
}

export interface DetectionStats {
  /** Per crash: ms until the last eligible observer marked it suspect / dead (Infinity: one never did). */
  suspectAllMs: number[]
  deadAllMs: number[]
  /**
   * The same for crashes of a node that had not restarted within the
   * detector's window (PHI_WINDOW_SAMPLES_MAX heartbeats, with a margin): a peer's detector
   * keeps the restart's silence as one inter-arrival sample, which widens
   * its estimate until the sample leaves the window.
   */
  suspectFreshMs: number[]
  deadFreshMs: number[]
  /** Per crash and eligible observer: ms until it marked the crashed node suspect. */
  suspectEachMs: number[]
  falseSuspicions: number
  stallSuspicions: number
  stallsSuspected: number
  stalls: number
  /** Observer time counted for false suspicions (every node while up, after the warm-up). */
  nodeHours: number
  wallMs: number
}

interface MemberEvent {
  atMs: number
  observer: string
  peer: string
  status: Reachability
  /** The observer's status of `peer` before this event ('unknown' after the observer restarted). */
  before: Reachability | 'unknown'
}

/** Builds nodes through agentNodeFactory and records every `member` event of every incarnation. */
function recordingFactory(events: MemberEvent[]): SimNodeFactory<AgentNode, AgentSimOptions> {
  return async (ctx) => {
    const node = await agentNodeFactory(ctx)
    const known = new Map<string, Reachability>()
    node.on('member', (view) => {
      const before = known.get(view.id) ?? 'unknown'
      known.set(view.id, view.status)
      events.push({ atMs: ctx.env.clock.now(), observer: ctx.id, peer: view.id, status: view.status, before })
    })
    return node
  }
}

/** Runs `config` under `plan`; returns the raw events and the wall time. */
async function simulate(c: DetectionCase, config: DetectorConfig, plan: FaultPlan, seed: number) {
  const ids = Array.from({ length: c.nodes }, (_, i) => `n${i + 1}`)
  const events: MemberEvent[] = []
  const sim = await Simulation.create<AgentNode, AgentSimOptions>({
    seed,
    nodes: ids,
    network: { latencyMs: c.latency, loss: c.loss },
    node: { members: ids, ...config.options },
    createNode: recordingFactory(events),
    trace: { timers: false },
  })
  sim.schedule(plan.steps)
  const startMs = performance.now()
  await sim.runFor(c.durationMs - sim.nowMs)
  const wallMs = performance.now() - startMs
  await sim.stop()
  return { ids, events, wallMs }
}

type Interval = [startMs: number, endMs: number]

function within(t: number, intervals: readonly Interval[]): boolean {
  return intervals.some(([a, b]) => t >= a && t <= b)
}

function intervalsOf(plan: FaultPlan) {
  const down = new Map<string, Interval[]>()
  const stalled = new Map<string, Interval[]>()
  const add = (map: Map<string, Interval[]>, id: string, interval: Interval) =>
    map.set(id, [...(map.get(id) ?? []), interval])
  for (const c of plan.crashes) add(down, c.id, [c.atMs, c.restartMs])
  for (const s of plan.stalls) add(stalled, s.id, [s.atMs, s.atMs + s.ms + STALL_GRACE_MS])
  return { down: (id: string) => down.get(id) ?? [], stalled: (id: string) => stalled.get(id) ?? [] }
}

/** Per eligible observer, ms from the crash to its first event putting the crashed node at `status` or worse. */
function detections(crash: PlannedCrash, observers: string[], events: MemberEvent[], dead: boolean) {
  return observers.map((observer) => {
    const hit = events.find(
      (e) =>
        e.observer === observer &&
        e.peer === crash.id &&
        e.atMs >= crash.atMs &&
        e.atMs <= crash.restartMs &&
        (dead ? e.status === 'dead' : e.status !== 'alive'),
    )
    return hit === undefined ? Number.POSITIVE_INFINITY : hit.atMs - crash.atMs
  })
}

/** Whether `crash` hit a node that had not restarted within `windowMs` before it. */
function fresh(crash: PlannedCrash, plan: FaultPlan, windowMs: number): boolean {
  return !plan.crashes.some(
    (p) => p.id === crash.id && p.restartMs <= crash.atMs && crash.atMs - p.restartMs < windowMs,
  )
}

function detectionsOf(plan: FaultPlan, ids: string[], events: MemberEvent[], windowMs: number) {
  const { down, stalled } = intervalsOf(plan)
  const busy = (id: string, a: number, b: number) =>
    [...down(id), ...stalled(id)].some(([s, e]) => s < b && a < e)
  const stats = {
    suspectAllMs: [] as number[],
    deadAllMs: [] as number[],
    suspectFreshMs: [] as number[],
    deadFreshMs: [] as number[],
    suspectEachMs: [] as number[],
  }
  for (const crash of plan.crashes) {
    const observers = ids.filter(
      (id) => id !== crash.id && !busy(id, crash.atMs - OBSERVER_SETTLED_MS, crash.restartMs),
    )
    if (observers.length === 0) continue
    const suspect = detections(crash, observers, events, false)
    const dead = Math.max(...detections(crash, observers, events, true))
    stats.suspectEachMs.push(...suspect)
    stats.suspectAllMs.push(Math.max(...suspect))
    stats.deadAllMs.push(dead)
    if (fresh(crash, plan, windowMs)) {
      stats.suspectFreshMs.push(Math.max(...suspect))
      stats.deadFreshMs.push(dead)
    }
  }
  return stats
}

function analyse(c: DetectionCase, plan: FaultPlan, ids: string[], events: MemberEvent[], windowMs: number) {
  const { down, stalled } = intervalsOf(plan)
  const stats = detectionsOf(plan, ids, events, windowMs)
  let falseSuspicions = 0
  let stallSuspicions = 0
  const stallsHit = new Set<number>()
  for (const e of events) {
    if (e.atMs < c.warmupMs || e.before !== 'alive' || e.status === 'alive') continue
    if (within(e.atMs, down(e.peer))) continue // a true suspicion: the detection above
    if (within(e.atMs, stalled(e.peer)) || within(e.atMs, stalled(e.observer))) {
      stallSuspicions++
      plan.stalls.forEach((s, i) => {
        if (s.id === e.peer && e.atMs >= s.atMs && e.atMs <= s.atMs + s.ms + STALL_GRACE_MS) stallsHit.add(i)
      })
    } else falseSuspicions++
  }
  const downMs = plan.crashes.reduce((sum, cr) => sum + (cr.restartMs - cr.atMs), 0)
  const nodeHours = (ids.length * (c.durationMs - c.warmupMs) - downMs) / 3_600_000
  return {
    ...stats,
    falseSuspicions,
    stallSuspicions,
    stallsSuspected: stallsHit.size,
    stalls: plan.stalls.length,
    nodeHours,
  }
}

/** Runs one detector setting under one plan and reads the result. */
export async function runDetection(
  c: DetectionCase,
  config: DetectorConfig,
  plan: FaultPlan,
  seed: number,
): Promise<DetectionStats> {
  const { ids, events, wallMs } = await simulate(c, config, plan, seed)
  const windowMs =
    PHI_WINDOW_SAMPLES_MAX * (config.options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS) * FRESH_WINDOW_MARGIN
  return { ...analyse(c, plan, ids, events, windowMs), wallMs }
}
