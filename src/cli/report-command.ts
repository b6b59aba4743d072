/**
 * `isthmus report TRACE [--out FILE]`: renders a trace file written by
 * `isthmus sim --trace` as the same HTML report `--report` writes.
 */
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { readTraceFile, writeReport } from '../../sim/report/index.ts'
import type { CliIo } from './io.ts'
import { parseStrict } from './parse-options.ts'
import { exitCodes, UsageError } from './usage-error.ts'

export const reportUsage = `usage: isthmus report TRACE [--out FILE]

Renders a trace (JSON lines from isthmus sim --trace) as a self-contained HTML
report: who could reach whom, the faults, each node's divergence, the
convergence point and the verdicts.

  --out FILE   where to write the report (default: TRACE with .html for its extension)
  -h, --help   show this text`

export async function runReport(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseStrict(
    'report',
    argv,
    { out: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    true,
  )
  if (values.help === true) {
    io.stdout.write(`${reportUsage}\n`)
    return exitCodes.ok
  }
  const [trace, ...extra] = positionals
  if (trace === undefined)
    throw new UsageError('report: which trace file? (isthmus report TRACE [--out FILE])')
  if (extra.length > 0) throw new UsageError(`report: one trace file at a time (got ${positionals.length})`)
  if (!existsSync(trace)) throw new UsageError(`report: cannot read ${JSON.stringify(trace)} (no such file)`)
  const model = await readTraceFile(trace)
  if (model.ids.length === 0)
    throw new UsageError(`report: ${JSON.stringify(trace)} is not an isthmus trace (no options line)`)
  const out = resolve(typeof values.out === 'string' ? values.out : trace.replace(/(\.jsonl?)?$/, '.html'))
  writeReport(model, out)
  io.stdout.write(`report: ${out}\n`)
  return exitCodes.ok
}
