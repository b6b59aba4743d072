/**
 * The sequential editing traces in /work/shared/data (josephg/editing-traces,
 * CC BY 4.0), read from there at run time: the data stays outside the repo.
 * Shared by the CRDT tests and the benchmarks.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'

/** The sequential traces available. */
export type TraceName = 'automerge-paper' | 'seph-blog1'

/** One edit: at `pos` (UTF-16 units; these traces stay in the BMP), delete `del` characters, then insert `insert`. */
export type TracePatch = [pos: number, del: number, insert: string]

/** One transaction of the trace: the patches an editor applied at once. */
export interface TraceTxn {
  time: string
  patches: TracePatch[]
}

/** A sequential trace as stored: replaying every patch on `startContent` gives `endContent`. */
export interface Trace {
  startContent: string
  endContent: string
  txns: TraceTxn[]
}

/** Where the traces live, relative to this file (test/support → repo → /work/shared/data). */
export const TRACE_DIR = join(import.meta.dirname, '../../../shared/data')

/** Reads and parses `<name>.json.gz`. */
export function loadTrace(name: TraceName): Trace {
  const bytes = gunzipSync(readFileSync(join(TRACE_DIR, `${name}.json.gz`)))
  const trace = JSON.parse(bytes.toString('utf8')) as Trace
  if (!Array.isArray(trace.txns) || typeof trace.endContent !== 'string') {
    throw new TypeError(`trace ${name}: not a sequential trace (no txns or endContent)`)
  }
  return trace
}

/** How many patches the trace holds in all. */
export function patchCount(trace: Trace): number {
  return trace.txns.reduce((sum, txn) => sum + txn.patches.length, 0)
}
