/**
 * The report page's own script. These functions run in the browser, not in
 * Node: html.ts embeds their source text (`Function.prototype.toString`)
 * next to uPlot, so each must use only its arguments, browser globals and
 * the other functions listed in `clientFunctions`. The declarations below
 * type the little of the DOM and uPlot they touch (the project compiles
 * without the DOM library).
 */
import type { ChartSpec, Marker } from './charts.ts'

interface Canvas2d {
  save(): void
  restore(): void
  beginPath(): void
  moveTo(x: number, y: number): void
  lineTo(x: number, y: number): void
  stroke(): void
  fillText(text: string, x: number, y: number): void
  setLineDash(segments: number[]): void
  strokeStyle: string
  fillStyle: string
  lineWidth: number
  font: string
  textAlign: string
}

interface Plot {
  ctx: Canvas2d
  bbox: { left: number; top: number; width: number; height: number }
  valToPos(value: number, scale: string, canvasPixels?: boolean): number
  setSize(size: { width: number; height: number }): void
}

interface Element {
  clientWidth: number
  textContent: string | null
}

declare const uPlot: {
  new (options: unknown, data: unknown, target: Element): Plot
  paths: { stepped?: (options: { align: 1 | -1 }) => unknown }
}
declare const document: { getElementById(id: string): Element | null }
declare const window: {
  addEventListener(event: string, listener: () => void): void
  devicePixelRatio: number
}

/** The page's data: every chart spec and the markers they all draw. */
export interface ClientData {
  charts: ChartSpec[]
  markers: Marker[]
  endMs: number
}

/**
 * A uPlot plugin drawing each marker as a dashed vertical line; with
 * `labelRows`, labels go in that many staggered rows above the plot.
 */
function isthmusMarkers(markers: Marker[], labelRows: number) {
  const colors: Record<string, string> = {
    fault: '#c0392b',
    heal: '#2471a3',
    node: '#7d3c98',
    phase: '#616a6b',
    converged: '#1e8449',
  }
  const draw = (u: Plot) => {
    const ctx = u.ctx
    const { left, top, width, height } = u.bbox
    const ratio = window.devicePixelRatio || 1
    ctx.save()
    ctx.font = `${11 * ratio}px sans-serif`
    markers.forEach((m, i) => {
      const x = u.valToPos(m.t, 'x', true)
      ctx.strokeStyle = colors[m.kind] ?? '#333'
      ctx.fillStyle = ctx.strokeStyle
      ctx.lineWidth = (m.kind === 'converged' ? 2 : 1) * ratio
      ctx.setLineDash(m.kind === 'converged' ? [] : [5 * ratio, 4 * ratio])
      ctx.beginPath()
      ctx.moveTo(x, top)
      ctx.lineTo(x, top + height)
      ctx.stroke()
      if (labelRows === 0) return
      // Labels right of their line, or left of it near the right edge so they stay on the canvas.
      const flip = x > left + width * 0.7
      ctx.textAlign = flip ? 'right' : 'left'
      ctx.fillText(
        m.label,
        x + (flip ? -3 : 3) * ratio,
        top - (4 + (labelRows - 1 - (i % labelRows)) * 13) * ratio,
      )
    })
    ctx.restore()
  }
  return { hooks: { draw: [draw] } }
}

/** One uPlot chart from a spec, into the element `spec.id`. */
function isthmusChart(
  spec: ChartSpec,
  markers: Marker[],
  endMs: number,
  labelRows: number,
): Plot | undefined {
  const el = document.getElementById(spec.id)
  if (el === null) return undefined
  const palette = [
    '#1f77b4',
    '#ff7f0e',
    '#2ca02c',
    '#d62728',
    '#9467bd',
    '#8c564b',
    '#e377c2',
    '#7f7f7f',
    '#bcbd22',
    '#17becf',
  ]
  const stepped = spec.stepped && uPlot.paths.stepped ? uPlot.paths.stepped({ align: 1 }) : undefined
  const ticks = spec.yTicks
  const yAxis: Record<string, unknown> = { label: spec.yLabel, size: ticks ? 70 : 55 }
  // Counts: ticks at 1, 2, 5, 10, ... only, never at 2.5.
  if (spec.yIntegers) yAxis.incrs = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 100000]
  if (ticks) {
    yAxis.splits = () => ticks.map((_, i) => i)
    yAxis.values = (_u: Plot, splits: number[]) => splits.map((i) => ticks[i] ?? '')
  }
  const options = {
    width: Math.max(320, el.clientWidth),
    height: ticks ? Math.max(180, 26 * ticks.length + 60) : 260,
    legend: { show: spec.series.length <= 20, live: false },
    padding: [labelRows > 0 ? 8 + labelRows * 13 : 12, 16, 0, 0],
    cursor: { drag: { x: true, y: false } },
    scales: {
      x: { time: false, range: [0, Math.max(1, endMs)] },
      y: spec.yRange ? { range: spec.yRange } : {},
    },
    axes: [
      { label: 'virtual time (s)', values: (_u: Plot, splits: number[]) => splits.map((v) => `${v / 1000}`) },
      yAxis,
    ],
    series: [
      { label: 'virtual ms', value: (_u: Plot, v: number | null) => (v === null ? '' : `${Math.round(v)}`) },
      ...spec.series.map((s, i) => ({
        label: s.label,
        stroke: palette[i % palette.length],
        width: spec.lineWidth,
        paths: stepped,
        points: { show: false },
        spanGaps: false,
      })),
    ],
    plugins: [isthmusMarkers(markers, labelRows), isthmusMarkers(spec.markers ?? [], 0)],
  }
  return new uPlot(options, [spec.x, ...spec.series.map((s) => s.values)], el)
}

/** Draws every chart of the page's embedded data and keeps them as wide as their boxes. */
function isthmusReport() {
  const source = document.getElementById('report-data')
  const data = JSON.parse(source?.textContent ?? '{}') as ClientData
  const plots: Array<[Plot, string, number]> = []
  data.charts.forEach((spec, i) => {
    // Only the first chart names the markers; the others repeat the lines at the same x.
    const plot = isthmusChart(spec, data.markers, data.endMs, i === 0 ? Math.min(4, data.markers.length) : 0)
    if (plot !== undefined)
      plots.push([plot, spec.id, spec.yTicks ? Math.max(180, 26 * spec.yTicks.length + 60) : 260])
  })
  window.addEventListener('resize', () => {
    for (const [plot, id, height] of plots) {
      const el = document.getElementById(id)
      if (el !== null) plot.setSize({ width: Math.max(320, el.clientWidth), height })
    }
  })
}

/** The functions html.ts embeds, in order; the page then calls `isthmusReport()`. */
export const clientFunctions: ReadonlyArray<(...args: never[]) => unknown> = [
  isthmusMarkers,
  isthmusChart,
  isthmusReport,
]
