/**
 * `isthmus report TRACE [--out FILE]`: renders a trace file written by
 * `isthmus sim --trace` as the same HTML report `--report` writes.
 */
import { existsSync, statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { readTraceFile, writeReport } from '../sim/report/index.ts'
import type { CliIo } from './io.ts'
import { parseStrict } from './parse-options.ts'
import { EXIT_CODES, UsageError } from './usage-error.ts'

export const REPORT_USAGE = `usage: isthmus report TRACE [--out FILE]

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
    io.stdout.write(`${REPORT_USAGE}\n`)
    return EXIT_CODES.ok
  }
  const [trace, ...extra] = positionals
  if (trace === undefined)
    throw new UsageError('report: which trace file? (isthmus report TRACE [--out FILE])')
  if (extra.length > 0) throw new UsageError(`report: one trace file at a time (got ${positionals.length})`)
  if (!existsSync(trace)) throw new UsageError(`report: cannot read ${JSON.stringify(trace)} (no such file)`)
  const out = resolve(typeof values.out === 'string' ? values.out : trace.replace(/(\.jsonl?)?$/, '.html'))
  assertWritableFolder(out)
  const model = await readTraceFile(trace)
  if (model.ids.length === 0)
    throw new UsageError(`report: ${JSON.stringify(trace)} is not an isthmus trace (no options line)`)
  try {
    writeReport(model, out)
  } catch (error) {
    throw writeProblem(out, error)
  }
  const partial = model.verdict === undefined ? ' (no verdict: the trace ends before the run did)' : ''
  io.stdout.write(`report: ${out}${partial}\n`)
  return EXIT_CODES.ok
}

/** Checked before the trace is read (which can take a while): the report's folder exists and is a folder. */
function assertWritableFolder(out: string): void {
  const folder = dirname(out)
  let isFolder: boolean
  try {
    isFolder = statSync(folder).isDirectory()
  } catch (error) {
    throw writeProblem(out, error)
  }
  if (!isFolder) throw new UsageError(`report: cannot write ${out} (${folder} is not a folder)`)
}

/** What the user can fix (a missing folder, no permission, a folder in the way): one line, exit 2. */
const writeErrors: Record<string, string> = {
  ENOENT: 'no such folder',
  ENOTDIR: 'a part of the path is not a folder',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a folder',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
}

/** A UsageError for a write failure the user can fix; anything else is returned as it came. */
function writeProblem(out: string, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  const reason = code === undefined ? undefined : writeErrors[code]
  return reason === undefined ? error : new UsageError(`report: cannot write ${out} (${reason})`)
}
