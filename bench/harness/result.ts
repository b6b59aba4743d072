/**
 * What a benchmark returns, and the three ways the harness prints it: a
 * fixed-width table, one JSON line per result, and a markdown table for the
 * README. Every figure carries a ratio against a peer or floor measured in
 * the same process in the same run, because the machines are shared and noisy.
 */

/** A target on the ratio (value / peer value), as BENCHMARKS.md states it. */
export interface Target {
  cmp: '>=' | '<='
  ratio: number
}

export interface BenchResult {
  bench: string
  case: string
  metric: string
  value: number
  unit: string
  /** The peer, ceiling or floor this figure is compared with; null for the baseline row itself. */
  peer: string | null
  /** value / the peer's value for the same metric, same run; null for the baseline row itself. */
  ratio: number | null
  target?: Target
}

export interface BenchOptions {
  quick: boolean
  /** Progress lines go here (stderr), never into the table. */
  log: (line: string) => void
}

/** One benchmark of BENCHMARKS.md. `id` is its number there. */
export interface Benchmark {
  id: number
  name: string
  run(options: BenchOptions): Promise<BenchResult[]>
}

/** A peer to compare with: its name and its value, measured in the same run. */
export type Peer = { name: string; value: number }

/** One benchmark's row builder: `r(case, metric, value, unit, peer?, target?)`. */
export function rowsFor(
  bench: string,
): (
  caseName: string,
  metric: string,
  value: number,
  unit: string,
  peer?: Peer,
  target?: Target,
) => BenchResult {
  return (caseName, metric, value, unit, peer, target) => {
    const fields = { bench, case: caseName, metric, value, unit }
    return row(target === undefined ? fields : { ...fields, target }, peer)
  }
}

/** A result row; `peerValue` undefined makes it a baseline row (no peer, no ratio). */
export function row(
  fields: Omit<BenchResult, 'peer' | 'ratio'>,
  peer?: { name: string; value: number },
): BenchResult {
  if (peer === undefined) return { ...fields, peer: null, ratio: null }
  const ratio = peer.value === 0 ? null : fields.value / peer.value
  return { ...fields, peer: peer.name, ratio }
}

export function targetMet(result: BenchResult): boolean | null {
  if (result.target === undefined || result.ratio === null) return null
  const { cmp, ratio } = result.target
  return cmp === '>=' ? result.ratio >= ratio : result.ratio <= ratio
}

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value)
  const abs = Math.abs(value)
  if (abs >= 1000 || Number.isInteger(value)) return Math.round(value).toLocaleString('en-US')
  if (abs >= 100) return value.toFixed(0)
  if (abs >= 10) return value.toFixed(1)
  return value.toFixed(2)
}

function formatTarget(target: Target | undefined): string {
  if (target === undefined) return ''
  return `${target.cmp === '>=' ? '≥' : '≤'} ${target.ratio}×`
}

function formatMet(result: BenchResult): string {
  const met = targetMet(result)
  if (met === null) return ''
  return met ? 'yes' : 'NO'
}

const columns = ['bench', 'case', 'metric', 'value', 'unit', 'vs', 'ratio', 'target', 'met'] as const

function cells(result: BenchResult): string[] {
  return [
    result.bench,
    result.case,
    result.metric,
    formatNumber(result.value),
    result.unit,
    result.peer ?? '(baseline)',
    result.ratio === null ? '' : `${result.ratio.toFixed(2)}×`,
    formatTarget(result.target),
    formatMet(result),
  ]
}

/** A fixed-width text table. Numbers are right-aligned. */
export function formatTable(results: readonly BenchResult[]): string {
  const rows = [Array.from(columns), ...results.map(cells)]
  const widths = columns.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)))
  const rightAligned = new Set([3, 6])
  const lines = rows.map((r) =>
    r
      .map((cell, i) => (rightAligned.has(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  '),
  )
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '))
  return lines.map((line) => line.trimEnd()).join('\n')
}

/** The same table in GitHub markdown, for the README. */
export function formatMarkdown(results: readonly BenchResult[]): string {
  const header = `| ${columns.join(' | ')} |`
  const rule = `|${columns.map((_, i) => (i === 3 || i === 6 ? '---:' : '---')).join('|')}|`
  const body = results.map((r) => `| ${cells(r).join(' | ')} |`)
  return [header, rule, ...body].join('\n')
}

/** One JSON line per result (the target flattened to a string, plus whether it was met). */
export function formatJsonLine(result: BenchResult): string {
  const { target, ...rest } = result
  if (target === undefined) return JSON.stringify(rest)
  return JSON.stringify({ ...rest, target: `${target.cmp} ${target.ratio}`, met: targetMet(result) })
}
