/**
 * The shapes a chart is handed to the page in (plain arrays uPlot takes as
 * they are), and step series: a module of its own below charts.ts and the
 * task lanes, which both build charts.
 */

export interface SeriesSpec {
  label: string
  values: Array<number | null>
}

export interface ChartSpec {
  id: string
  title: string
  /** What the chart means, under its title. */
  note: string
  yLabel: string
  x: number[]
  series: SeriesSpec[]
  /** Step lines (states that hold until the next change) rather than straight segments. */
  stepped: boolean
  /** Fixed y range; undefined lets uPlot fit the data. */
  yRange?: [number, number]
  /** Labels for y = 0, 1, 2, ... (the pair rows). */
  yTicks?: string[]
  /** Whole numbers only on the y axis (counts). */
  yIntegers?: boolean
  lineWidth: number
  /** Markers of this chart only (besides the ones every chart draws): the task lanes' takeovers. */
  markers?: Marker[]
}

export interface Marker {
  t: number
  label: string
  kind: 'fault' | 'heal' | 'node' | 'phase' | 'converged'
}

/** Each state's end, a hair before the next begins: uPlot then draws every interval, even one before a gap. */
const stepEndMs = 1e-3

/**
 * Step data as explicit segments: a value holds from its change to the next
 * change (or the end of the run), so each state becomes two points.
 */
export function stepSeries(
  changesMs: readonly number[],
  endMs: number,
  columns: ReadonlyArray<ReadonlyArray<number | null>>,
): { x: number[]; values: Array<Array<number | null>> } {
  const x: number[] = []
  const values: Array<Array<number | null>> = columns.map(() => [])
  changesMs.forEach((t, i) => {
    const next = changesMs[i + 1]
    const untilMs = next === undefined ? Math.max(endMs, t) : next - Math.min(stepEndMs, (next - t) / 2)
    x.push(t, untilMs)
    columns.forEach((column, c) => {
      const v = column[i] ?? null
      values[c]?.push(v, v)
    })
  })
  return { x, values }
}
