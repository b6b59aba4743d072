/**
 * The editing traces as the benchmarks replay them: a flat list of edits.
 * Loading (from `../shared/data/` at run time, never copied into the repo) is
 * the shared loader's, test/support/traces.ts.
 */
import { loadTrace, type TraceName } from '../../test/support/traces.ts'

/** One edit: delete `deleteCount` characters at `pos` (UTF-16 units), then insert `insert` there. */
export interface TraceEdit {
  pos: number
  deleteCount: number
  insert: string
}

/** A sequential trace flattened to its edits, with the text they end at. */
export interface Trace {
  name: TraceName
  endContent: string
  edits: TraceEdit[]
}

/** Reads a sequential trace and flattens its transactions into edits (one edit per patch). */
export function loadTraceEdits(name: TraceName): Trace {
  const raw = loadTrace(name)
  if (raw.startContent !== '') throw new Error(`trace ${name}: the benchmarks replay traces that start empty`)
  const edits: TraceEdit[] = []
  for (const txn of raw.txns) {
    for (const [pos, deleteCount, insert] of txn.patches) edits.push({ pos, deleteCount, insert })
  }
  return { name, endContent: raw.endContent, edits }
}

/** Just the edits of `loadTraceEdits`. */
export function loadEdits(name: TraceName): TraceEdit[] {
  return loadTraceEdits(name).edits
}
