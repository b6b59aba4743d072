/**
 * Recovery as numbers (issue 10, observability): what the work layer counts
 * and measures on this node, as a plain object for `node.metrics().work` and
 * as Prometheus metrics in the node's own registry.
 *
 * Two latencies, both on this node's clock, recorded when a takeover run
 * starts:
 *   mttr                  owner lost → task running again. "Lost" is when this
 *                         node last heard the owner before detecting it
 *                         unreachable (the best a node can know alone).
 *   detectionToReowned    this node's detection of the owner → its takeover
 *                         claim durable (about leaseMs by design).
 */
import { Counter, Gauge, type Registry } from 'prom-client'

/** Histogram bucket bounds, in ms: around detection + leaseMs at defaults (~1.5-2.5 s), and far past it. */
export const LATENCY_BUCKETS_MS = [
  50, 100, 250, 500, 1_000, 1_500, 2_000, 3_000, 5_000, 10_000, 30_000, 60_000,
]
/** Samples kept for the quantiles: the latest ones, a fixed bound. */
export const LATENCY_SAMPLES_MAX = 4096

/** A latency distribution: bucket counts since start, quantiles over the latest samples. */
export class LatencyHistogram {
  readonly counts = LATENCY_BUCKETS_MS.map(() => 0)
  count = 0
  sumMs = 0
  readonly #samples: number[] = []

  record(ms: number): void {
    this.count++
    this.sumMs += ms
    for (let i = 0; i < LATENCY_BUCKETS_MS.length; i++)
      if (ms <= (LATENCY_BUCKETS_MS[i] as number)) this.counts[i] = (this.counts[i] as number) + 1
    this.#samples.push(ms)
    if (this.#samples.length > LATENCY_SAMPLES_MAX) this.#samples.shift()
  }

  /** The q-quantile (0..1) of the latest samples, or undefined with none. */
  quantile(q: number): number | undefined {
    if (this.#samples.length === 0) return undefined
    const sorted = [...this.#samples].sort((a, b) => a - b)
    return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
  }

  snapshot(): {
    count: number
    sumMs: number
    p50Ms?: number
    p99Ms?: number
    buckets: Record<string, number>
  } {
    const out: ReturnType<LatencyHistogram['snapshot']> = {
      count: this.count,
      sumMs: this.sumMs,
      buckets: Object.fromEntries(LATENCY_BUCKETS_MS.map((b, i) => [`le${b}`, this.counts[i] as number])),
    }
    const p50 = this.quantile(0.5)
    const p99 = this.quantile(0.99)
    if (p50 !== undefined) out.p50Ms = p50
    if (p99 !== undefined) out.p99Ms = p99
    return out
  }
}

/** `node.metrics().work`. */
export interface WorkMetricsSnapshot {
  takeovers: number
  resumes: number
  claims: number
  /** Resumed runs that found a checkpoint (on restart or takeover). */
  resumedFromCheckpoint: number
  mttrMs: ReturnType<LatencyHistogram['snapshot']>
  detectionToReownedMs: ReturnType<LatencyHistogram['snapshot']>
  /** Completed runs that lost, on this node's board (the same everywhere once converged). */
  duplicateRuns: number
  /** Compensations this node did: duplicates, unseen steps and saga steps. */
  compensations: number
  compensationsFailed: number
  stepCompensationsMissing: number
  retries: number
  attemptsFailed: number
  fallbacks: number
  stepsReplayed: number
  /** Runs aborted here because this node lost its lease (minority past the grace). */
  leaseAborts: number
  breakers: Record<string, string>
  tasksByStatus: Record<string, number>
  archived: number
  /** Tasks that left the board without ending: must stay 0. */
  lostTasks: number
}

const CIRCUIT_VALUES: Record<string, number> = { closed: 0, halfOpen: 1, open: 2, isolated: 3 }

/**
 * Registers the work metrics in a node's registry, read from `read()` when
 * scraped. A restarted node's new work layer replaces the old one's.
 */
export function registerWorkMetrics(registry: Registry, read: () => WorkMetricsSnapshot | undefined): void {
  const counters: Array<[string, string, (m: WorkMetricsSnapshot) => number]> = [
    [
      'isthmus_task_takeovers_total',
      'Tasks this node took over from an unreachable owner.',
      (m) => m.takeovers,
    ],
    [
      'isthmus_task_duplicate_runs',
      'Completed runs that lost to a higher claim (on the board).',
      (m) => m.duplicateRuns,
    ],
    ['isthmus_task_compensations_total', 'Compensations done on this node.', (m) => m.compensations],
    ['isthmus_task_retries_total', 'Attempts retried after a failure.', (m) => m.retries],
    [
      'isthmus_task_resumed_from_checkpoint_total',
      'Runs resumed from a checkpoint.',
      (m) => m.resumedFromCheckpoint,
    ],
    ['isthmus_task_lease_aborts_total', 'Runs aborted on losing the lease.', (m) => m.leaseAborts],
    ['isthmus_task_fallbacks_total', 'Fallback kinds run.', (m) => m.fallbacks],
    ['isthmus_tasks_lost', 'Tasks that left the board without ending (must stay 0).', (m) => m.lostTasks],
    ['isthmus_tasks_archived', 'Archived tasks (tombstones) on the board.', (m) => m.archived],
  ]
  for (const [name, help, pick] of counters) {
    replace(registry, name)
    const Kind = name.endsWith('_total') ? Counter : Gauge
    new Kind({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset()
        const m = read()
        if (m === undefined) return
        if (this instanceof Counter) this.inc(pick(m))
        else (this as Gauge).set(pick(m))
      },
    })
  }
  labelled(registry, 'isthmus_tasks', 'Tasks on the board by status.', 'status', (m) => m.tasksByStatus)
  labelled(
    registry,
    'isthmus_task_breaker_state',
    'Breaker per kind: 0 closed, 1 half-open, 2 open, 3 isolated.',
    'kind',
    (m) => Object.fromEntries(Object.entries(m.breakers).map(([k, s]) => [k, CIRCUIT_VALUES[s] ?? 0])),
  )
  histogram(registry, 'isthmus_task_mttr_seconds', 'Owner lost to task running again.', (m) => m.mttrMs)
  histogram(
    registry,
    'isthmus_task_detection_to_reowned_seconds',
    'Owner detected unreachable to task re-claimed.',
    (m) => m.detectionToReownedMs,
  )

  function labelled(
    reg: Registry,
    name: string,
    help: string,
    label: string,
    pick: (m: WorkMetricsSnapshot) => Record<string, number>,
  ) {
    replace(reg, name)
    new Gauge({
      name,
      help,
      labelNames: [label],
      registers: [reg],
      collect() {
        this.reset()
        const m = read()
        if (m !== undefined) for (const [value, n] of Object.entries(pick(m))) this.set({ [label]: value }, n)
      },
    })
  }

  function histogram(
    reg: Registry,
    name: string,
    help: string,
    pick: (m: WorkMetricsSnapshot) => WorkMetricsSnapshot['mttrMs'],
  ) {
    replace(reg, `${name}_bucket`)
    // prom-client histograms only observe: the buckets are exposed as a gauge family in the
    // histogram's own naming (`_bucket{le}`, `_sum`, `_count`), read from the node's counts.
    new Gauge({
      name: `${name}_bucket`,
      help,
      labelNames: ['le'],
      registers: [reg],
      collect() {
        this.reset()
        const m = read()
        if (m === undefined) return
        const h = pick(m)
        for (const b of LATENCY_BUCKETS_MS) this.set({ le: String(b / 1000) }, h.buckets[`le${b}`] ?? 0)
        this.set({ le: '+Inf' }, h.count)
      },
    })
    for (const [suffix, value] of [
      ['sum', (h: WorkMetricsSnapshot['mttrMs']) => h.sumMs / 1000],
      ['count', (h: WorkMetricsSnapshot['mttrMs']) => h.count],
    ] as const) {
      replace(reg, `${name}_${suffix}`)
      new Gauge({
        name: `${name}_${suffix}`,
        help,
        registers: [reg],
        collect() {
          this.reset()
          const m = read()
          if (m !== undefined) this.set(value(pick(m)))
        },
      })
    }
  }
}

function replace(registry: Registry, name: string): void {
  if (registry.getSingleMetric(name) !== undefined) registry.removeSingleMetric(name)
}
