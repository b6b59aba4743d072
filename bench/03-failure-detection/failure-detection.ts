/**
 * #3 failure detection. Real isthmus nodes in the simulator (5 and 50),
 * latency N(50 ms, σ) clamped at 1 ms with per-link FIFO (so a late frame
 * holds back the ones behind it, as on a TCP stream), σ = 10, 50, 200 ms,
 * 1 % and 5 % loss; per cycle one crash of a random node (restarted 30 s
 * later) and one 1–3 s stall of another. Measured: crash → every other node
 * marks it suspect (and dead), p50/p99 over crashes; false suspicions per
 * node-hour (a peer that was up and not stalled, marked suspect by someone).
 *
 * The same plan runs, in the same process, under isthmus's defaults (250 ms
 * heartbeats), Akka's defaults and a model of memberlist's LAN settings with
 * our detector (detection-plan.ts says how each is set). A candidates list
 * runs other settings of ours at 250 ms heartbeats on the σ = 50 ms cases.
 *
 * Every figure is a virtual time or a count: deterministic per seed.
 */
import type { LatencyModel } from '../../sim/latency.ts'
import { seededRandom } from '../../src/env/seeded-random.ts'
import { percentile } from '../harness/measure.ts'
import {
  type Benchmark,
  type BenchOptions,
  type BenchResult,
  type Peer,
  rowsFor,
  type Target,
} from '../harness/result.ts'
import {
  akkaDefaults,
  type DetectorConfig,
  isthmusDefaults,
  memberlistLan,
  planFaults,
} from './detection-plan.ts'
import { type DetectionCase, type DetectionStats, runDetection } from './detection-run.ts'

const BENCH = 'failure-detection'
const SEED = 1
const MEAN_LATENCY_MS = 50
/** BENCHMARKS.md #3 targets: p99 ≤ 1.5 s at 250 ms heartbeats; ≤ 1 false suspicion per node-day at σ = 50 ms. */
const P99_LIMIT_MS = 1_500
const FALSE_PER_NODE_DAY_LIMIT = 1
const withinLimit: Target = { cmp: '<=', ratio: 1 }

interface CaseSpec {
  nodes: number
  stddevMs: number
  loss: number
  /** 1–3 s stalls besides the crashes; false: crashes only, which shows the detector without stall gaps in its window. */
  stalls: boolean
  /** Virtual hours (warm-up included). */
  hours: number
  /** One crash (and one stall) per cycle. */
  cycleMs: number
  /** Also run the candidate settings. */
  candidates: boolean
}

const WARMUP_MS = 10_000
const RESTART_AFTER_MS = 30_000
const CYCLE_MS = 60_000

function fiveNodes(
  stddevMs: number,
  loss: number,
  stalls: boolean,
  hours: number,
  candidates = false,
): CaseSpec {
  return { nodes: 5, stddevMs, loss, stalls, hours, cycleMs: CYCLE_MS, candidates }
}

const fullCases: CaseSpec[] = [
  fiveNodes(10, 0.01, true, 1),
  fiveNodes(10, 0.05, true, 1),
  fiveNodes(50, 0.01, true, 6, true),
  fiveNodes(50, 0.05, true, 6, true),
  fiveNodes(50, 0.01, false, 6, true),
  fiveNodes(50, 0.05, false, 6, true),
  fiveNodes(200, 0.01, true, 1),
  fiveNodes(200, 0.05, true, 1),
  // 50 nodes run at about half real time here (full-mesh heartbeats): 90 s, a crash every 15 s.
  { nodes: 50, stddevMs: 50, loss: 0.01, stalls: true, hours: 90 / 3600, cycleMs: 15_000, candidates: false },
]

const quickCases: CaseSpec[] = [
  fiveNodes(10, 0.05, true, 5 / 60),
  fiveNodes(50, 0.01, true, 10 / 60, true),
  fiveNodes(50, 0.05, false, 10 / 60, true),
  fiveNodes(200, 0.05, true, 5 / 60),
]

/**
 * Other settings of ours, at 250 ms heartbeats, run on the cases marked
 * `candidates`: a wider floor on the detector's standard deviation (the
 * default is heartbeatMs / 5 = 50 ms).
 */
const candidates: DetectorConfig[] = [
  { name: 'isthmus minStdDeviationMs=100', options: { heartbeatMs: 250, minStdDeviationMs: 100 } },
  { name: 'isthmus minStdDeviationMs=125', options: { heartbeatMs: 250, minStdDeviationMs: 125 } },
]

function latency(stddevMs: number): LatencyModel {
  return { kind: 'normal', meanMs: MEAN_LATENCY_MS, stddevMs, minMs: 1 }
}

function caseName(spec: CaseSpec): string {
  const faults = spec.stalls ? '' : ' crash-only'
  return `n=${spec.nodes} σ=${spec.stddevMs}ms loss=${Math.round(spec.loss * 100)}%${faults}`
}

/** One-sided 95 % upper bound on a Poisson mean, having seen `k` events (3.0 for k = 0). */
function poissonUpper95(k: number): number {
  const cdf = (lambda: number) => {
    let term = Math.exp(-lambda)
    let sum = term
    for (let i = 1; i <= k; i++) {
      term *= lambda / i
      sum += term
    }
    return sum
  }
  let lo = 0
  let hi = k + 10 * Math.sqrt(k + 1) + 10
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2
    if (cdf(mid) > 0.05) lo = mid
    else hi = mid
  }
  return hi
}

const r = rowsFor(BENCH)

/** What one setting did on one case. `ours`: the targets apply. */
function statsRows(label: string, s: DetectionStats, ours: { p99: boolean; falses: boolean }): BenchResult[] {
  const days = s.nodeHours / 24
  const p99Limit = { name: 'limit 1.5 s', value: P99_LIMIT_MS }
  const falseLimit = { name: 'limit 1 per node-day', value: FALSE_PER_NODE_DAY_LIMIT / 24 }
  const targeted = (on: boolean, metric: string, value: number, unit: string, peer: Peer) =>
    on ? r(label, metric, value, unit, peer, withinLimit) : r(label, metric, value, unit)
  return [
    r(label, 'crash → all suspect p50', percentile(s.suspectFreshMs, 50), 'ms'),
    targeted(ours.p99, 'crash → all suspect p99', percentile(s.suspectFreshMs, 99), 'ms', p99Limit),
    targeted(
      ours.p99,
      'crash → all suspect p99, all crashes',
      percentile(s.suspectAllMs, 99),
      'ms',
      p99Limit,
    ),
    r(label, 'crash → each observer suspect p99', percentile(s.suspectEachMs, 99), 'ms'),
    r(label, 'crash → all dead p50', percentile(s.deadFreshMs, 50), 'ms'),
    r(label, 'crash → all dead p99', percentile(s.deadFreshMs, 99), 'ms'),
    r(label, 'crashes measured (fresh)', s.suspectFreshMs.length, 'count', {
      name: 'all crashes',
      value: s.suspectAllMs.length,
    }),
    targeted(ours.falses, 'false suspicions / node-hour', s.falseSuspicions / s.nodeHours, '1/h', falseLimit),
    r(label, 'false suspicions', s.falseSuspicions, 'count'),
    r(label, 'node-hours observed', s.nodeHours, 'h'),
    r(label, 'false suspicions / node-day, 95% upper', poissonUpper95(s.falseSuspicions) / days, '1/day'),
    r(label, 'stalls that got the node suspected', s.stallsSuspected, 'count', {
      name: 'stalls',
      value: s.stalls,
    }),
  ]
}

/** Ours against each peer setting on the same plan. */
function comparisonRows(label: string, ours: DetectionStats, peers: Array<[string, DetectionStats]>) {
  return peers.flatMap(([name, s]) => [
    r(label, 'crash → all suspect p99', percentile(ours.suspectFreshMs, 99), 'ms', {
      name,
      value: percentile(s.suspectFreshMs, 99),
    }),
    r(label, 'crash → all dead p99', percentile(ours.deadFreshMs, 99), 'ms', {
      name,
      value: percentile(s.deadFreshMs, 99),
    }),
    r(label, 'false suspicions / node-hour', ours.falseSuspicions / ours.nodeHours, '1/h', {
      name,
      value: s.falseSuspicions / s.nodeHours,
    }),
  ])
}

async function runCase(spec: CaseSpec, log: BenchOptions['log']): Promise<BenchResult[]> {
  const name = caseName(spec)
  const ids = Array.from({ length: spec.nodes }, (_, i) => `n${i + 1}`)
  const durationMs = Math.round(spec.hours * 3_600_000)
  const c: DetectionCase = {
    nodes: spec.nodes,
    latency: latency(spec.stddevMs),
    loss: spec.loss,
    durationMs,
    warmupMs: WARMUP_MS,
  }
  const plan = planFaults(
    {
      ids,
      warmupMs: WARMUP_MS,
      durationMs,
      cycleMs: spec.cycleMs,
      restartAfterMs: RESTART_AFTER_MS,
      stallMsMin: 1_000,
      stallMsMax: 3_000,
      stalls: spec.stalls,
    },
    seededRandom(SEED).fork(`faults:${name}`),
  )
  const configs = [
    isthmusDefaults,
    akkaDefaults,
    memberlistLan(spec.nodes),
    ...(spec.candidates ? candidates : []),
  ]
  const results: Array<[DetectorConfig, DetectionStats]> = []
  for (const config of configs) {
    const stats = await runDetection(c, config, plan, SEED)
    log(
      `${name} ${config.name}: ${(durationMs / 60_000).toFixed(1)} virtual min in ${(stats.wallMs / 1000).toFixed(1)} s`,
    )
    results.push([config, stats])
  }
  const [, ours] = results[0] as [DetectorConfig, DetectionStats]
  const rows = results.flatMap(([config, stats]) => {
    const isOurs = config === isthmusDefaults || candidates.includes(config)
    return statsRows(`${name} ${config.name}`, stats, { p99: isOurs, falses: isOurs && spec.stddevMs === 50 })
  })
  const peers = results.slice(1, 3).map(([config, stats]) => [config.name, stats] as [string, DetectionStats])
  rows.push(...comparisonRows(`${name} isthmus defaults`, ours, peers))
  return rows
}

async function run({ quick, log }: BenchOptions): Promise<BenchResult[]> {
  const rows: BenchResult[] = []
  for (const spec of quick ? quickCases : fullCases) rows.push(...(await runCase(spec, log)))
  return rows
}

export const failureDetection: Benchmark = { id: 3, name: BENCH, run }
