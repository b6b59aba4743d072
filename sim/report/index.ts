/**
 * Simulation reports: a run's trace lines (plus the sample, scenario and
 * verdict annotations written next to them) become one self-contained HTML
 * page drawn with uPlot. The same builder serves a live run (`isthmus sim
 * --report`) and a trace file read back later (`isthmus report`).
 */
import { createReadStream, writeFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { renderReport } from './html.ts'
import { ReportBuilder, type ReportModel } from './report-model.ts'

export { type Convergence, convergenceOf, faultLabel, type Marker } from './charts.ts'
export { escapeHtml, renderReport } from './html.ts'
export { LinkReplay, type LinkSnapshot, pairsOf } from './link-replay.ts'
export type { ReportRecord, SampleRecord, ScenarioRecord, VerdictRecord } from './records.ts'
export { PAIR_ROWS_NODES_MAX, ReportBuilder, type ReportModel, reportModelOf } from './report-model.ts'
export { type DivergenceSampler, divergence, divergenceSampler, SAMPLER_NAME } from './sampler.ts'

/** Reads a trace file (JSON lines) into a report model, streaming: a long trace never sits in memory. */
export async function readTraceFile(path: string): Promise<ReportModel> {
  const builder = new ReportBuilder()
  const lines = createInterface({
    input: createReadStream(path, 'utf8'),
    crlfDelay: Number.POSITIVE_INFINITY,
  })
  for await (const line of lines) if (line.length > 0) builder.line(line)
  return builder.finish()
}

/** Renders `model` and writes the page to `path`. */
export function writeReport(model: ReportModel, path: string): void {
  writeFileSync(path, renderReport(model))
}
