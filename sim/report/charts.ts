/**
 * Turns a report model into chart specs: plain arrays the page hands to
 * uPlot as they are (one x array per chart, one y array per series), plus
 * the markers every chart draws (faults, phases, the convergence point).
 */
import { type CrashOptions, losesUnsynced } from '../fault-plan.ts'
import { type ChartSpec, type Marker, stepSeries } from './chart-spec.ts'
import { convergedAtMs } from './convergence.ts'
import { pairsOf } from './link-replay.ts'
import type { FaultLine, ReportModel } from './report-model.ts'

export type { ChartSpec, Marker, SeriesSpec } from './chart-spec.ts'
export { stepSeries } from './chart-spec.ts'

export interface Convergence {
  /** The liveness check at which every quiescence invariant first held (convergence.ts); undefined if none did. */
  atMs: number | undefined
  /** When the liveness phase began (every fault undone from then on). */
  livenessMs: number | undefined
  /** The last change of who could reach whom (a cut, a heal, a node going down or coming up). */
  networkChangedMs: number | undefined
}

const faultsThatHeal = new Set(['heal', 'restart', 'restore'])
const nodeLabel = (ids: unknown) =>
  Array.isArray(ids) ? ids.join(' ') : typeof ids === 'object' ? JSON.stringify(ids) : String(ids)

/** A fault in a few words: `partition n1 n2 | n3 n4 n5`, `skew n1 +700 ms`. */
export function faultLabel(f: Pick<FaultLine, 'fault' | 'args'>): string {
  const a = f.args
  switch (f.fault) {
    case 'partition':
      return `partition ${(a[0] as unknown[]).map(nodeLabel).join(' | ')}`
    case 'bridge':
      return a.length === 3 ? `bridge ${nodeLabel(a[0])} | ${a[1]} | ${nodeLabel(a[2])}` : 'bridge'
    case 'majoritiesRing':
      return a.length === 1 ? `majorities ring ${nodeLabel(a[0])}` : 'majorities ring'
    case 'oneWay':
      return `one-way ${a[0]}>${a[1]}`
    case 'crash':
      return `crash ${a[0]}${losesUnsynced((a[1] ?? {}) as CrashOptions) ? ' (losing unsynced)' : ''}`
    case 'pause':
      return `pause ${a[0]} ${a[1]} ms`
    case 'skew':
      return `skew ${a[0]} ${(a[1] as number) >= 0 ? '+' : ''}${a[1]} ms`
    case 'drift':
      return `drift ${a[0]} ×${a[1]}`
    case 'cut':
    case 'restore':
      return `${f.fault} ${a[0]}–${a[1]}`
    case 'swizzle': {
      const options = (a[0] ?? {}) as { nodes?: string[]; stepMs?: number }
      const nodes = options.nodes === undefined ? '' : ` ${options.nodes.join(' ')}`
      return `swizzle${nodes}${options.stepMs === undefined ? '' : ` every ${options.stepMs} ms`}`
    }
    default:
      return [f.fault, ...a.map(nodeLabel)].join(' ')
  }
}

/** Faults, phases and convergence as chart markers. Swizzle's single cuts show in the rows, not as markers. */
export function markersOf(model: ReportModel, convergence: Convergence): Marker[] {
  const markers: Marker[] = model.faults
    .filter((f) => f.skipped === undefined && f.fault !== 'cut' && f.fault !== 'restore')
    .map((f) => ({ t: f.t, label: faultLabel(f), kind: faultsThatHeal.has(f.fault) ? 'heal' : 'fault' }))
  for (const p of model.phases)
    if (p.phase === 'liveness') markers.push({ t: p.t, label: 'liveness phase', kind: 'phase' })
  if (convergence.atMs !== undefined)
    markers.push({ t: convergence.atMs, label: 'converged', kind: 'converged' })
  return markers.sort((a, b) => a.t - b.t)
}

/** The convergence point (one definition with the CLI: convergence.ts) and the network's last change. */
export function convergenceOf(model: ReportModel): Convergence {
  const livenessMs = model.phases.find((p) => p.phase === 'liveness')?.t
  const networkChangedMs = model.links.at(-1)?.t
  return { atMs: convergedAtMs(model.verdict?.figures), livenessMs, networkChangedMs }
}

/** One row per pair: y = row when both ways pass, row − 0.3 when one way does, a gap when none. */
export function pairChart(model: ReportModel): ChartSpec | undefined {
  const first = model.links[0]
  if (first === undefined || first.pairs.length === 0) return undefined
  const ids = model.ids
  const pairs = pairsOf(ids.length)
  const rows = pairs.map((_, row) =>
    model.links.map((s) => {
      const state = s.pairs[row] ?? 0
      return state === 2 ? row : state === 1 ? row - 0.3 : null
    }),
  )
  const { x, values } = stepSeries(
    model.links.map((s) => s.t),
    model.endMs,
    rows,
  )
  const labels = pairs.map(([a, b]) => `${ids[a]}–${ids[b]}`)
  return {
    id: 'pairs',
    title: 'Who could reach whom',
    note: 'One row per pair of nodes: a thick line while frames pass both ways, lowered while only one way passes, a gap while the link is cut or an end is down.',
    yLabel: 'pair',
    x,
    series: labels.map((label, i) => ({ label, values: values[i] ?? [] })),
    stepped: false,
    yRange: [-0.8, pairs.length - 0.5],
    yTicks: labels,
    lineWidth: 5,
  }
}

/** Per node: how many peers its frames reach, over time (a gap while it is down). */
export function reachChart(model: ReportModel): ChartSpec | undefined {
  if (model.links.length === 0) return undefined
  const n = model.ids.length
  // Equal counts would hide each other: nudge node i's line by a few hundredths of a peer.
  const nudge = (i: number) => (n <= 10 ? (i - (n - 1) / 2) * 0.04 : 0)
  const columns = model.ids.map((_, i) =>
    model.links.map((s) => {
      const reach = s.reach[i] ?? null
      return reach === null ? null : reach + nudge(i)
    }),
  )
  const { x, values } = stepSeries(
    model.links.map((s) => s.t),
    model.endMs,
    columns,
  )
  return {
    id: 'reach',
    title: 'Reachable peers per node',
    note: `How many of the other ${n - 1} nodes each node's frames can reach; a gap while the node is down.${n <= 10 ? ' Lines are nudged apart slightly so equal counts stay visible.' : ''}`,
    yLabel: 'peers',
    x,
    series: model.ids.map((id, i) => ({ label: id, values: values[i] ?? [] })),
    stepped: false,
    yRange: [-0.3, Math.max(1, n - 1) + 0.3],
    lineWidth: 2,
  }
}

/** Per node: change batches it lacks from the union of every running node's version vector. */
export function divergenceChart(model: ReportModel): ChartSpec | undefined {
  if (model.samples.length === 0) return undefined
  return {
    id: 'divergence',
    title: 'Divergence per node',
    note: 'Version-vector distance to the union of all running nodes: the change batches each node has not seen yet. Zero everywhere means converged.',
    yLabel: 'batches behind',
    yIntegers: true,
    x: model.samples.map((s) => s.t),
    series: model.ids.map((id) => ({ label: id, values: model.samples.map((s) => s.behind[id] ?? null) })),
    stepped: false,
    lineWidth: 2,
  }
}

/** Tasks owned per node over time, once samples carry task ownership. */
export function tasksChart(model: ReportModel): ChartSpec | undefined {
  const samples = model.samples.filter((s) => s.owned !== undefined)
  if (samples.length === 0) return undefined
  return {
    id: 'tasks',
    title: 'Task ownership',
    note: 'Tasks each node owns (rendezvous hashing over the members it sees alive).',
    yLabel: 'tasks',
    yIntegers: true,
    x: samples.map((s) => s.t),
    series: model.ids.map((id) => ({ label: id, values: samples.map((s) => s.owned?.[id] ?? 0) })),
    stepped: true,
    lineWidth: 2,
  }
}
