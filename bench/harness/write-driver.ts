/**
 * Drives N writes through some write path and times each from the call to
 * its durable ack. Two ways an agent writes:
 *
 * - `serial`: await every write before the next (an agent awaiting its own write);
 * - `pipelined`: bursts of writes issued in one tick without awaiting, at most
 *   two bursts in flight (the next burst is issued while the previous one is
 *   being written). The store's group commit makes each burst one batch.
 */
import { LatencyRecorder } from './measure.ts'

export type WriteMode = 'serial' | 'pipelined'

/**
 * Writes an agent issues in one burst before it yields to the event loop. A
 * streaming agent (an LLM emitting tokens into a document) produces many
 * edits per tick; 100 keeps the burst's latency in the low milliseconds.
 */
export const PIPELINE_BURST_WRITES = 100

/** Starts write `i`; resolves once it is durable. Does its synchronous work before returning. */
export type IssueWrite = (i: number) => Promise<unknown>

export interface DriveResult {
  writes: number
  elapsedMs: number
  latency: LatencyRecorder
}

function timedIssue(issue: IssueWrite, latency: LatencyRecorder, i: number): Promise<unknown> {
  const startMs = performance.now()
  return issue(i).then(() => latency.record(performance.now() - startMs))
}

async function driveSerial(count: number, issue: IssueWrite, latency: LatencyRecorder): Promise<void> {
  for (let i = 0; i < count; i++) await timedIssue(issue, latency, i)
}

async function drivePipelined(count: number, issue: IssueWrite, latency: LatencyRecorder): Promise<void> {
  let previousBurst: Promise<unknown> = Promise.resolve()
  for (let start = 0; start < count; start += PIPELINE_BURST_WRITES) {
    const end = Math.min(count, start + PIPELINE_BURST_WRITES)
    const burst: Promise<unknown>[] = []
    for (let i = start; i < end; i++) burst.push(timedIssue(issue, latency, i))
    await previousBurst
    previousBurst = Promise.all(burst)
  }
  await previousBurst
}

/** Runs `count` writes; `finish` runs inside the timed span (waiting for a pending compaction, say). */
export async function driveWrites(
  count: number,
  mode: WriteMode,
  issue: IssueWrite,
  finish: () => Promise<void> = async () => {},
): Promise<DriveResult> {
  const latency = new LatencyRecorder(count)
  const startMs = performance.now()
  if (mode === 'serial') await driveSerial(count, issue, latency)
  else await drivePipelined(count, issue, latency)
  await finish()
  return { writes: count, elapsedMs: performance.now() - startMs, latency }
}
