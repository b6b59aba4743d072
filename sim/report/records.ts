/**
 * The lines a report reads besides the simulator's own trace lines. They are
 * annotations written next to the trace (into a `--trace` file, or straight
 * into the report builder), never recorded through `Trace`: asking for a
 * report or a trace file must not change a run's hash.
 *
 *   {"t":0,"k":"scenario","name":"partition-heal","seed":42,...}
 *   {"t":1020,"k":"sample","behind":{"n1":0,"n2":3,...},"held":57}
 *   {"t":6100,"k":"verdict","ok":true,"seed":42,"traceHash":"…",...}
 */
import type { Violation } from '../checkers.ts'

/** What ran: written first. */
export interface ScenarioRecord {
  t: 0
  k: 'scenario'
  name: string
  summary: string
  protocol: string
  seed: number
  nodes: string[]
  /** The command that replays this run. */
  replay: string
}

/**
 * Each node's divergence at `t`: how many change batches it lacks from the
 * union of every running node's version vector (null: the node is down).
 * `owned`, once nodes run tasks, counts the tasks each node owns.
 */
export interface SampleRecord {
  t: number
  k: 'sample'
  behind: Record<string, number | null>
  /** Change batches in the union of the vectors: how much has been written so far. */
  held: number
  owned?: Record<string, number>
}

/** The run's outcome: written last. */
export interface VerdictRecord {
  t: number
  k: 'verdict'
  ok: boolean
  seed: number
  traceHash: string
  violations: Violation[]
  figures: { [figure: string]: number | boolean }
}

export type ReportRecord = ScenarioRecord | SampleRecord | VerdictRecord
