/**
 * The report as one self-contained HTML file: uPlot's script and styles
 * inlined (read from the installed package when the report is written; the
 * page loads nothing from the network), the chart data as embedded JSON, and
 * the tables (faults, verdicts) as plain HTML.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { Violation } from '../checkers.ts'
import {
  type ChartSpec,
  type Convergence,
  convergenceOf,
  divergenceChart,
  faultLabel,
  markersOf,
  pairChart,
  reachChart,
  tasksChart,
} from './charts.ts'
import { type ClientData, clientFunctions } from './client.ts'
import type { ReportModel } from './report-model.ts'
import { PAGE_STYLE } from './style.ts'
import { taskFacts, taskLanesChart } from './task-lanes.ts'

/** uPlot's browser build and stylesheet, from node_modules. */
function uplotAssets(): { script: string; style: string } {
  const require = createRequire(import.meta.url)
  return {
    script: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    style: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  }
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

/** JSON safe inside a script element: no `</script>` or `<!--` can appear. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c')
}

const ms = (t: number | undefined) => (t === undefined ? '—' : `${Math.round(t).toLocaleString('en-US')} ms`)

/** Violations: the verdict's when there is one (it adds the quiescence checks), else those traced while running. */
function violationsOf(model: ReportModel): Violation[] {
  return model.verdict?.violations ?? model.violations
}

/**
 * The banner: PASS or FAIL when the run wrote its verdict. A trace without one (cut short:
 * the run crashed or was stopped) says so in neutral colours, counting the violations it
 * did record, since the quiescence checks that decide a pass never ran.
 */
function verdictBanner(model: ReportModel): string {
  const violations = violationsOf(model)
  const count = `${violations.length} violation${violations.length === 1 ? '' : 's'}`
  if (model.verdict === undefined) {
    const recorded = violations.length === 0 ? 'no violation recorded' : `${count} recorded`
    const text = `NO VERDICT: the trace ends before the run did (${recorded} before it ends)`
    return `<div id="verdict" class="verdict unknown">${escapeHtml(text)}</div>`
  }
  const ok = model.verdict.ok
  const text = ok ? 'PASS: every invariant held' : `FAIL: ${count}`
  return `<div id="verdict" class="verdict ${ok ? 'pass' : 'fail'}">${escapeHtml(text)}</div>`
}

function convergenceText(c: Convergence): string {
  if (c.atMs === undefined) return 'did not converge'
  const into =
    c.livenessMs === undefined || c.atMs < c.livenessMs
      ? ''
      : `${ms(c.atMs - c.livenessMs)} into the liveness phase; `
  return `${ms(c.atMs)} (${into}the network last changed at ${ms(c.networkChangedMs)})`
}

function factsTable(model: ReportModel, convergence: Convergence): string {
  const f = model.verdict?.figures ?? {}
  const rows: Array<[string, string]> = [
    ['seed', String(model.scenario?.seed ?? model.seed ?? '—')],
    [
      'nodes',
      `${model.ids.length} (${model.ids.slice(0, 12).join(' ')}${model.ids.length > 12 ? ' …' : ''})`,
    ],
    ['protocol', model.scenario?.protocol ?? '—'],
    ['trace hash', model.verdict?.traceHash ?? '—'],
    [
      'virtual time',
      `${ms(model.endMs)} (safety ${ms(f.safetyMs as number)}, liveness ${ms(f.livenessMs as number)})`,
    ],
    ['converged', model.verdict === undefined ? 'unknown (no verdict)' : convergenceText(convergence)],
    [
      'events',
      `${f.events ?? '—'} (${model.counts.send ?? 0} frames sent, ${model.counts.deliver ?? 0} delivered, ${model.counts.drop ?? 0} dropped, ${model.counts.dup ?? 0} duplicated)`,
    ],
    ['writes', f.writesAcked === undefined ? '—' : `${f.writesAcked} acknowledged`],
    ['faults', String(model.faults.filter((x) => x.skipped === undefined).length)],
    ...(model.taskRuns.length === 0 ? [] : [['tasks', taskFacts(model.taskRuns)] as [string, string]]),
  ]
  const cells = rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')
  const replay = model.scenario?.replay
  return `<table class="facts">${cells}</table>${replay ? `<p>replay: <code>${escapeHtml(replay)}</code></p>` : ''}`
}

/** The phase a time falls in (the last phase line at or before it). */
function phaseAt(model: ReportModel, t: number): string {
  let phase = 'start'
  for (const p of model.phases) if (p.t <= t) phase = p.phase
  return phase
}

function faultsTable(model: ReportModel): string {
  if (model.faults.length === 0) return '<p>No faults.</p>'
  // The column only when some fault did not apply (e.g. a restart of a node that was up).
  const skips = model.faults.some((f) => f.skipped !== undefined)
  const rows = model.faults
    .map((f) => {
      const cells = [ms(f.t), phaseAt(model, f.t), faultLabel(f), ...(skips ? [f.skipped ?? ''] : [])]
      return `<tr>${cells.map((c, i) => `<td${i === 0 ? ' class="num"' : ''}>${escapeHtml(c)}</td>`).join('')}</tr>`
    })
    .join('')
  const head = ['at', 'phase', 'fault', ...(skips ? ['skipped because'] : [])]
    .map((h) => `<th>${h}</th>`)
    .join('')
  return `<table class="list"><tr>${head}</tr>${rows}</table>`
}

function violationsTable(model: ReportModel): string {
  const violations = violationsOf(model)
  if (violations.length === 0) return '<p id="no-violations">No invariant was violated.</p>'
  const rows = violations
    .map(
      (v) =>
        `<tr><td class="num">${escapeHtml(ms(v.atMs))}</td><td>${escapeHtml(v.invariant)}</td><td>${escapeHtml(v.detail)}</td></tr>`,
    )
    .join('')
  return `<table class="list" id="violations"><tr><th>at</th><th>invariant</th><th>detail</th></tr>${rows}</table>`
}

function chartSection(spec: ChartSpec): string {
  return `<section><h2>${escapeHtml(spec.title)}</h2><p class="note">${escapeHtml(spec.note)}</p><div class="chart" id="${spec.id}"></div></section>`
}

function tasksSection(spec: ChartSpec | undefined, lanes: boolean): string {
  if (spec !== undefined) return chartSection(spec)
  // The task lanes above show the tasks; ownership counts come only with samples that carry them.
  if (lanes) return ''
  return '<section><h2>Task ownership</h2><p class="note" id="no-tasks">No task events in this run: the nodes ran no tasks.</p></section>'
}

/** The report page for `model`. */
export function renderReport(model: ReportModel): string {
  const convergence = convergenceOf(model)
  // The task lanes right after reachability, so runs and takeovers line up with the cuts that caused them.
  const charts = [
    pairChart(model),
    reachChart(model),
    taskLanesChart(model.ids, model.taskRuns, model.endMs),
    divergenceChart(model),
  ].filter((c) => c !== undefined)
  const tasks = tasksChart(model)
  const data: ClientData = {
    charts: tasks === undefined ? charts : [...charts, tasks],
    markers: markersOf(model, convergence),
    endMs: model.endMs,
  }
  const { script, style } = uplotAssets()
  const title = `isthmus sim: ${model.scenario?.name ?? 'trace'}, seed ${model.scenario?.seed ?? model.seed ?? '?'}`
  const client = clientFunctions.map((fn) => fn.toString()).join('\n')
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
<style>${style}</style><style>${PAGE_STYLE}</style>
</head><body><main>
<h1>${escapeHtml(title)}</h1>
<p class="note">${escapeHtml(model.scenario?.summary ?? '')}</p>
${verdictBanner(model)}
${factsTable(model, convergence)}
${charts.map(chartSection).join('\n')}
${tasksSection(tasks, model.taskRuns.length > 0)}
<section><h2>Faults</h2>${faultsTable(model)}</section>
<section><h2>Verdicts</h2>${violationsTable(model)}</section>
</main>
<script id="report-data" type="application/json">${scriptJson(data)}</script>
<script>${script}</script>
<script>${client}
isthmusReport()</script>
</body></html>
`
}
