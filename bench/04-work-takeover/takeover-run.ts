/**
 * #4 work takeover, one simulated run: 5 real isthmus nodes (default
 * heartbeatMs 250, leaseMs 1000) on a LAN of 1–20 ms one way, running
 * long tasks whose handler checkpoints after every step and resumes from
 * the last checkpoint it is given. Every run of every task is recorded from
 * inside the handler, on the simulator's clock (run-records.ts).
 *
 * Three scenarios, one per call (`runTakeover`):
 *   crash          the owner of ~1/5 of the tasks crashes and stays down (majority).
 *   split-majority a 2|3 split under 'majority'; the majority takes over the
 *                  minority side's tasks, the minority side stops its runs.
 *   split-availability
 *                  a 2|3 split under 'availability': both sides take over the
 *                  other side's tasks and finish them (duplicates); the split
 *                  heals, and the run goes on until every node holds one
 *                  accepted result per task and every losing run compensated.
 *
 * Before the fault, the tasks are submitted as a steady stream (round-robin
 * over the nodes), which gives submit → claimed latencies: on the owner (its
 * handler starts, so the claim is durable there) and on the submitting node
 * (the claim has come back to it).
 *
 * Detection, the floor's first term, is measured in the same run: for each
 * surviving node, when its view first shows the lost owner not alive (its
 * `member` event), from the fault. Per orphaned task, the floor is the
 * detection of the node that took it over + leaseMs.
 */
import { Simulation } from '../../sim/index.ts'
import { seededRandom } from '../../src/env/seeded-random.ts'
import type { AgentNode } from '../../src/node/agent-node.ts'
import type { WorkMetricsSnapshot } from '../../src/work/work-metrics.ts'
import {
  type CompensationRecord,
  countOverlaps,
  type RunRecord,
  recordingWorkHandler,
} from './run-records.ts'

export const IDS = ['n1', 'n2', 'n3', 'n4', 'n5']
export const HEARTBEAT_MS = 250
export const LEASE_MS = 1_000
/** One-way latency, uniform over [min, max] ms, no loss. */
export const LATENCY_MS: [number, number] = [1, 20]
/** One RTT: twice the mean one-way latency. */
export const RTT_MS = LATENCY_MS[0] + LATENCY_MS[1]
const WARMUP_MS = 2_000
const AFTER_ALL_RUNNING_MS = 1_500
const TAKEOVER_MAX_MS = 30_000
const SETTLE_MAX_MS = 60_000
const POLL_MS = 10

export type Scenario = 'crash' | 'split-majority' | 'split-availability'

export interface TakeoverRun {
  scenario: Scenario
  seed: number
  tasks: number
  wallMs: number
  /** Virtual ms of the fault (crash or split). */
  faultMs: number
  /** The lost nodes: the crashed one, or the minority side. */
  lost: string[]
  /** Tasks whose winning claim was a lost node's at the fault. */
  orphans: number
  /** Per orphan that ran again on a surviving (majority) node: virtual ms from the fault to that run's start. */
  mttrMs: number[]
  /** Per such orphan: the heir's detection of the old owner (ms from the fault) + leaseMs. */
  floorMs: number[]
  /** Per such orphan: heir's run start − heir's detection of the old owner. */
  detectionToReownedMs: number[]
  /** Detection per surviving node of each lost node, ms from the fault. */
  detectionMs: number[]
  /** Orphans never run again on a surviving node within TAKEOVER_MAX_MS. */
  notTakenOver: number
  /** Takeover runs that started from a checkpoint. */
  resumed: number
  /** Pairs of runs of one task that overlapped in virtual time. */
  overlaps: number
  /** Runs started on the lost side after the fault (split scenarios). */
  lostSideStarts: number
  /** Runs on the lost side stopped by their lost lease, ms from the fault to the stop (split-majority). */
  leaseStopMs: number[]
  submitToClaimedOwnerMs: number[]
  submitToClaimedSubmitterMs: number[]
  /** node.metrics().work of the survivors, summed / their worst p99. */
  metricsTakeovers: number
  metricsMttrP99Ms: number | undefined
  metricsDetectionToReownedP99Ms: number | undefined
  /** split-availability only: from the heal. */
  healDetectionMs: number | undefined
  settledMs: number | undefined
  duplicates: number
  compensateCalls: number
  compensatedRecorded: number
  tasksWithOneResult: number
}

interface Plan {
  tasks: number
  /** Submissions per second before the fault (a steady stream). */
  submitPerSecond: number
  stepMs: number
  steps: number
  /** split-availability: how long the split lasts. */
  splitMs: number
}

export const plans: Record<Scenario, Plan> = {
  // Long runs: still going when the run ends.
  crash: { tasks: 1_000, submitPerSecond: 500, stepMs: 1_000, steps: 1_000, splitMs: 0 },
  'split-majority': { tasks: 1_000, submitPerSecond: 500, stepMs: 1_000, steps: 1_000, splitMs: 0 },
  // 4 s runs: both sides finish every task during an 8 s split.
  'split-availability': { tasks: 1_000, submitPerSecond: 500, stepMs: 1_000, steps: 4, splitMs: 8_000 },
}

export async function runTakeover(
  scenario: Scenario,
  seed: number,
  tasks: number,
  log: (line: string) => void,
): Promise<TakeoverRun> {
  const wallStart = performance.now()
  const plan = { ...plans[scenario], tasks }
  const runs: RunRecord[] = []
  const compensations: CompensationRecord[] = []
  let simRef: Simulation<AgentNode> | undefined
  const now = () => (simRef as Simulation<AgentNode>).nowMs
  const sim = await Simulation.create({
    seed,
    nodes: IDS,
    network: { latencyMs: LATENCY_MS },
    agentChecks: false,
    node: {
      members: IDS,
      heartbeatMs: HEARTBEAT_MS,
      leaseMs: LEASE_MS,
      partitionPolicy: scenario === 'split-availability' ? 'availability' : 'majority',
      handlers: { work: recordingWorkHandler(now, plan, runs, compensations) },
    },
  })
  simRef = sim
  try {
    await sim.runFor(WARMUP_MS)

    // --- submit a steady stream; time each task's claim on its owner and back on its submitter ---
    const submittedAt = new Map<string, { node: string; atMs: number }>()
    // `${node}/${task}` → when that node first saw the task claimed (a local claim may come before
    // submit's promise resolves, so every node's first sighting is kept).
    const claimSeen = new Map<string, number>()
    for (const id of IDS)
      sim.node(id).on('task', (t) => {
        const key = `${id}/${t.id}`
        if (t.owner !== undefined && !claimSeen.has(key)) claimSeen.set(key, sim.nowMs)
      })
    const everyMs = 1000 / plan.submitPerSecond
    for (let i = 0; i < plan.tasks; i++) {
      const node = IDS[i % IDS.length] as string
      const target = WARMUP_MS + i * everyMs
      if (target > sim.nowMs) await sim.runFor(target - sim.nowMs)
      const atMs = sim.nowMs
      const id = await sim.node(node).tasks.submit({ kind: 'work', payload: { i } })
      submittedAt.set(id, { node, atMs })
    }
    const started = () => new Set(runs.map((r) => r.task)).size
    const allRunningBy = sim.nowMs + TAKEOVER_MAX_MS
    while (started() < plan.tasks && sim.nowMs < allRunningBy) await sim.runFor(50)
    if (started() < plan.tasks) throw new Error(`only ${started()} of ${plan.tasks} tasks started`)
    const firstRun = new Map<string, RunRecord>()
    for (const run of runs) if (!firstRun.has(run.task)) firstRun.set(run.task, run)
    const submitToClaimedOwnerMs = [...submittedAt].map(
      ([id, s]) => (firstRun.get(id) as RunRecord).startMs - s.atMs,
    )
    const submitToClaimedSubmitterMs = [...submittedAt].flatMap(([id, s]) => {
      const at = claimSeen.get(`${s.node}/${id}`)
      return at === undefined ? [] : [at - s.atMs]
    })
    // The fault falls at a seed-drawn phase of the heartbeat, so detection varies across seeds.
    await sim.runFor(
      AFTER_ALL_RUNNING_MS + Math.floor(seededRandom(seed).fork('phase').next() * HEARTBEAT_MS),
    )

    // --- the fault ---
    const owners = new Map<string, string>()
    for (const [id] of submittedAt) owners.set(id, sim.node('n1').tasks.get(id)?.owner as string)
    const ownedBy = (n: string) => [...owners.values()].filter((o) => o === n).length
    let lost: string[]
    if (scenario === 'crash') {
      // The node owning the most tasks (≈ 1/5 of them).
      lost = [[...IDS].sort((a, b) => ownedBy(b) - ownedBy(a))[0] as string]
    } else lost = ['n1', 'n2']
    const survivors = IDS.filter((n) => !lost.includes(n))
    const detectedAt = new Map<string, number>() // `${survivor}/${lost}` → virtual ms
    for (const n of survivors)
      sim.node(n).on('member', (m) => {
        const key = `${n}/${m.id}`
        if (lost.includes(m.id) && m.status !== 'alive' && !detectedAt.has(key))
          detectedAt.set(key, sim.nowMs)
      })
    const orphanIds = [...owners].filter(([, o]) => lost.includes(o)).map(([id]) => id)
    const faultMs = sim.nowMs
    const runsBefore = runs.length
    if (scenario === 'crash') sim.crash(lost[0] as string)
    else sim.partition([lost, survivors])

    const heirRun = (id: string) =>
      runs.find((r, i) => i >= runsBefore && r.task === id && survivors.includes(r.node))
    const takeoverBy = faultMs + TAKEOVER_MAX_MS
    while (sim.nowMs < takeoverBy && orphanIds.some((id) => heirRun(id) === undefined)) {
      await sim.runFor(100)
    }
    if (scenario !== 'split-availability') await sim.runFor(500)

    const mttrMs: number[] = []
    const floorMs: number[] = []
    const detectionToReownedMs: number[] = []
    let notTakenOver = 0
    let resumed = 0
    for (const id of orphanIds) {
      const heir = heirRun(id)
      if (heir === undefined) {
        notTakenOver++
        continue
      }
      const detected = detectedAt.get(`${heir.node}/${owners.get(id)}`)
      mttrMs.push(heir.startMs - faultMs)
      if (detected !== undefined) {
        floorMs.push(detected - faultMs + LEASE_MS)
        detectionToReownedMs.push(heir.startMs - detected)
      }
      if (heir.resumed) resumed++
    }
    const detectionMs = [...detectedAt.values()].map((t) => t - faultMs)
    const lostSideStarts = runs.filter((r, i) => i >= runsBefore && lost.includes(r.node)).length
    const leaseStopMs = runs
      .filter((r) => lost.includes(r.node) && r.reason === 'LeaseLostError' && r.endMs !== undefined)
      .map((r) => (r.endMs as number) - faultMs)

    const workOf = (n: string) => sim.node(n).metrics().work as WorkMetricsSnapshot | undefined
    const survivorsWork = survivors.map(workOf).filter((w) => w !== undefined)
    const worst = (pick: (w: WorkMetricsSnapshot) => number | undefined) => {
      const values = survivorsWork.map(pick).filter((v): v is number => v !== undefined)
      return values.length === 0 ? undefined : Math.max(...values)
    }

    // --- split-availability: heal, then until every node holds one accepted result per task and
    // every losing completed run compensated ---
    let healDetectionMs: number | undefined
    let settledMs: number | undefined
    let duplicates = 0
    let compensatedRecorded = 0
    let tasksWithOneResult = 0
    if (scenario === 'split-availability') {
      const healAt = faultMs + plan.splitMs
      if (sim.nowMs < healAt) await sim.runFor(healAt - sim.nowMs)
      sim.heal()
      const healMs = sim.nowMs
      const taskIds = [...submittedAt.keys()]
      /** Why not settled yet (the first reason found), or undefined once settled. */
      const unsettled = (): string | undefined => {
        let reference: string[] | undefined
        for (const n of IDS) {
          const node = sim.node(n)
          const key: string[] = []
          for (const id of taskIds) {
            const t = node.tasks.get(id)
            if (t === undefined || t.status !== 'completed')
              return `${n}: ${id.slice(0, 8)} ${t?.status ?? 'unknown'}`
            const open = t.duplicates.find((d) => !d.compensated)
            if (open !== undefined)
              return `${n}: ${id.slice(0, 8)} duplicate of ${open.node}@${open.epoch} not compensated (owner ${t.owner}@${t.epoch})`
            key.push(`${t.owner}/${t.epoch}/${t.duplicates.length}`)
          }
          if (reference === undefined) reference = key
          else if (key.join() !== reference.join()) return `${n} differs from n1`
        }
        return undefined
      }
      let lastReason: string | undefined
      while (sim.nowMs < healMs + SETTLE_MAX_MS) {
        if (healDetectionMs === undefined && IDS.every((n) => !sim.node(n).view().partitioned))
          healDetectionMs = sim.nowMs - healMs
        lastReason = unsettled()
        if (lastReason === undefined) {
          settledMs = sim.nowMs - healMs
          break
        }
        await sim.runFor(POLL_MS)
      }
      if (lastReason !== undefined) log(`not settled ${SETTLE_MAX_MS} ms after the heal: ${lastReason}`)
      for (const id of taskIds) {
        const t = sim.node('n1').tasks.get(id)
        duplicates += t?.duplicates.length ?? 0
        compensatedRecorded += (t?.history ?? []).filter((e) => e.type === 'compensated').length
        if (t?.status === 'completed' && t.result !== undefined) tasksWithOneResult++
      }
    }

    const crashMs = scenario === 'crash' ? faultMs : undefined
    const overlaps = countOverlaps(runs, (r) =>
      r.endMs !== undefined
        ? r.endMs
        : crashMs !== undefined && lost.includes(r.node)
          ? crashMs
          : Number.POSITIVE_INFINITY,
    )
    const wallMs = performance.now() - wallStart
    log(
      `${scenario} seed ${seed}: ${plan.tasks} tasks, lost ${lost.join(',')} owning ${orphanIds.length}; ` +
        `${mttrMs.length} taken over, ${notTakenOver} not; overlaps ${overlaps}; ` +
        `${(sim.nowMs / 1000).toFixed(1)} s virtual in ${(wallMs / 1000).toFixed(1)} s wall`,
    )
    return {
      scenario,
      seed,
      tasks: plan.tasks,
      wallMs,
      faultMs,
      lost,
      orphans: orphanIds.length,
      mttrMs,
      floorMs,
      detectionToReownedMs,
      detectionMs,
      notTakenOver,
      resumed,
      overlaps,
      lostSideStarts,
      leaseStopMs,
      submitToClaimedOwnerMs,
      submitToClaimedSubmitterMs,
      metricsTakeovers: survivorsWork.reduce((s, w) => s + w.takeovers, 0),
      metricsMttrP99Ms: worst((w) => w.mttrMs.p99Ms),
      metricsDetectionToReownedP99Ms: worst((w) => w.detectionToReownedMs.p99Ms),
      healDetectionMs,
      settledMs,
      duplicates,
      compensateCalls: compensations.length,
      compensatedRecorded,
      tasksWithOneResult,
    }
  } finally {
    await sim.stop()
  }
}
