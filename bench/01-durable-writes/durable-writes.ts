/**
 * #1 durable local writes. The B4 trace (automerge-paper, 259,778 edits) as
 * one Yjs transaction per edit through the isthmus write path
 * (backend.change → store.append on a levelStore on disk, compaction as it
 * triggers), pipelined and serially awaited; 10k Automerge map sets the
 * same way. Compared in the same run with raw in-memory Yjs / Automerge (the
 * ceiling) and y-leveldb's storeUpdate per edit (the peer).
 */
import { median } from '../harness/measure.ts'
import { type Benchmark, type BenchOptions, type BenchResult, row, type Target } from '../harness/result.ts'
import { loadEdits, type TraceEdit } from '../harness/trace.ts'
import {
  runIsthmusAutomerge,
  runIsthmusYjs,
  runRawAutomerge,
  runRawYjs,
  runYLeveldb,
  type WriteRun,
} from '../harness/write-paths.ts'

const BENCH = 'durable-writes'
/** --quick: the first 20k edits of the trace. */
const QUICK_EDITS = 20_000
const AUTOMERGE_SETS = 10_000
const QUICK_AUTOMERGE_SETS = 2_000
/** Rounds of every path; the median round is reported. */
const ROUNDS = 3
const QUICK_ROUNDS = 3
/** Edits run through every path first, unrecorded, so no path pays the JIT warm-up alone. */
const WARMUP_EDITS = 2_000

const ceilingTarget: Target = { cmp: '>=', ratio: 0.5 }
const peerTarget: Target = { cmp: '>=', ratio: 3 }

type Peer = { name: string; value: number }

function perSecond(count: number, elapsedMs: number): number {
  return count / (elapsedMs / 1000)
}

function throughput(run: WriteRun): number {
  return perSecond(run.drive.writes, run.drive.elapsedMs)
}

function r(
  caseName: string,
  metric: string,
  value: number,
  unit: string,
  peer?: Peer,
  target?: Target,
): BenchResult {
  const fields = { bench: BENCH, case: caseName, metric, value, unit }
  return row(target === undefined ? fields : { ...fields, target }, peer)
}

/** p50/p99 from call to durable ack, against the same percentile of `peerRun`. */
function latencyRows(caseName: string, run: WriteRun, peerName?: string, peerRun?: WriteRun): BenchResult[] {
  return [50, 99].map((p) => {
    const peerMs = peerRun?.drive.latency.percentileMs(p)
    const peer =
      peerName === undefined || peerMs === undefined ? undefined : { name: peerName, value: peerMs }
    return r(caseName, `p${p} latency to durable`, run.drive.latency.percentileMs(p), 'ms', peer)
  })
}

/** Bytes per write: what reached write(2), and the folder after close, against the updates' own size. */
function byteRows(caseName: string, run: WriteRun, peerName?: string, peerRun?: WriteRun): BenchResult[] {
  const n = run.drive.writes
  const payload = { name: 'update bytes', value: run.payloadBytes / n }
  const rows = [r(caseName, 'update bytes/write', run.payloadBytes / n, 'B')]
  if (run.writtenBytes !== null)
    rows.push(r(caseName, 'bytes written/write', run.writtenBytes / n, 'B', payload))
  rows.push(r(caseName, 'disk bytes/write after close', run.folderBytes / n, 'B', payload))
  if (
    peerName !== undefined &&
    peerRun !== undefined &&
    run.writtenBytes !== null &&
    peerRun.writtenBytes !== null
  ) {
    const peer = { name: peerName, value: peerRun.writtenBytes / peerRun.drive.writes }
    rows.push(r(caseName, 'bytes written/write', run.writtenBytes / n, 'B', peer))
  }
  return rows
}

function compactionRows(caseName: string, run: WriteRun): BenchResult[] {
  const runTotal = { name: 'whole run', value: run.drive.elapsedMs }
  return [
    r(caseName, 'compactions', run.compactions, 'count'),
    r(caseName, 'snapshot time for compactions', run.snapshotMs, 'ms', runTotal),
  ]
}

interface YjsRuns {
  rawMs: number
  yLeveldbSerial: WriteRun
  yLeveldbPipelined: WriteRun
  pipelined: WriteRun
  serial: WriteRun
}

/** The run with the median elapsed time, so one noisy round does not decide a figure. */
function medianRun(runs: readonly WriteRun[]): WriteRun {
  const sorted = [...runs].sort((a, b) => a.drive.elapsedMs - b.drive.elapsedMs)
  return sorted[sorted.length >> 1] as WriteRun
}

/**
 * Every path once per round, interleaved, so noise from other work on the
 * machine falls on all paths alike; the median round of each is reported.
 */
async function runYjsPaths(
  edits: readonly TraceEdit[],
  rounds: number,
  log: BenchOptions['log'],
): Promise<YjsRuns> {
  const warmup = edits.slice(0, WARMUP_EDITS)
  runRawYjs(warmup)
  await runYLeveldb(warmup, 'pipelined')
  await runIsthmusYjs(warmup, 'pipelined')
  const raw: number[] = []
  const all: Record<'yLeveldbSerial' | 'yLeveldbPipelined' | 'pipelined' | 'serial', WriteRun[]> = {
    yLeveldbSerial: [],
    yLeveldbPipelined: [],
    pipelined: [],
    serial: [],
  }
  for (let round = 1; round <= rounds; round++) {
    log(`yjs round ${round}/${rounds}: raw, y-leveldb serial and pipelined, isthmus pipelined and serial`)
    raw.push(runRawYjs(edits))
    all.yLeveldbSerial.push(await runYLeveldb(edits, 'serial'))
    all.yLeveldbPipelined.push(await runYLeveldb(edits, 'pipelined'))
    all.pipelined.push(await runIsthmusYjs(edits, 'pipelined'))
    all.serial.push(await runIsthmusYjs(edits, 'serial'))
  }
  return {
    rawMs: median(raw),
    yLeveldbSerial: medianRun(all.yLeveldbSerial),
    yLeveldbPipelined: medianRun(all.yLeveldbPipelined),
    pipelined: medianRun(all.pipelined),
    serial: medianRun(all.serial),
  }
}

function yjsRows(edits: number, runs: YjsRuns): BenchResult[] {
  const raw = { name: 'raw Yjs', value: perSecond(edits, runs.rawMs) }
  const ylSerial = { name: 'y-leveldb serial', value: throughput(runs.yLeveldbSerial) }
  const ylPipelined = { name: 'y-leveldb pipelined', value: throughput(runs.yLeveldbPipelined) }
  const { pipelined, serial } = runs
  const p = 'yjs isthmus pipelined'
  const s = 'yjs isthmus serial'
  return [
    r('yjs raw, memory', 'edits/s', raw.value, 'edits/s'),
    r(p, 'edits/s', throughput(pipelined), 'edits/s', raw, ceilingTarget),
    r(p, 'edits/s', throughput(pipelined), 'edits/s', ylSerial, peerTarget),
    r(p, 'edits/s', throughput(pipelined), 'edits/s', ylPipelined, peerTarget),
    r(s, 'edits/s', throughput(serial), 'edits/s', raw, ceilingTarget),
    r(s, 'edits/s', throughput(serial), 'edits/s', ylSerial, peerTarget),
    r('yjs y-leveldb serial', 'edits/s', ylSerial.value, 'edits/s', raw),
    r('yjs y-leveldb pipelined', 'edits/s', ylPipelined.value, 'edits/s', raw),
    ...latencyRows(p, pipelined, 'y-leveldb pipelined', runs.yLeveldbPipelined),
    ...latencyRows(s, serial, 'y-leveldb serial', runs.yLeveldbSerial),
    ...latencyRows('yjs y-leveldb serial', runs.yLeveldbSerial),
    ...latencyRows('yjs y-leveldb pipelined', runs.yLeveldbPipelined),
    ...byteRows(p, pipelined, 'y-leveldb serial', runs.yLeveldbSerial),
    ...byteRows(s, serial, 'y-leveldb serial', runs.yLeveldbSerial),
    ...byteRows('yjs y-leveldb serial', runs.yLeveldbSerial),
    ...compactionRows(p, pipelined),
    ...compactionRows(s, serial),
  ]
}

async function automergeRows(sets: number, rounds: number, log: BenchOptions['log']): Promise<BenchResult[]> {
  runRawAutomerge(WARMUP_EDITS)
  await runIsthmusAutomerge(WARMUP_EDITS, 'pipelined')
  const rawMs: number[] = []
  const pipelinedRuns: WriteRun[] = []
  const serialRuns: WriteRun[] = []
  for (let round = 1; round <= rounds; round++) {
    log(`automerge round ${round}/${rounds}: raw, isthmus pipelined and serial, ${sets} map sets`)
    rawMs.push(runRawAutomerge(sets))
    pipelinedRuns.push(await runIsthmusAutomerge(sets, 'pipelined'))
    serialRuns.push(await runIsthmusAutomerge(sets, 'serial'))
  }
  const raw = { name: 'raw Automerge', value: perSecond(sets, median(rawMs)) }
  const pipelined = medianRun(pipelinedRuns)
  const serial = medianRun(serialRuns)
  const p = 'automerge isthmus pipelined'
  const s = 'automerge isthmus serial'
  return [
    r('automerge raw, memory', 'sets/s', raw.value, 'sets/s'),
    r(p, 'sets/s', throughput(pipelined), 'sets/s', raw, ceilingTarget),
    r(s, 'sets/s', throughput(serial), 'sets/s', raw, ceilingTarget),
    ...latencyRows(p, pipelined),
    ...latencyRows(s, serial),
    ...byteRows(p, pipelined),
    ...compactionRows(p, pipelined),
  ]
}

async function run({ quick, log }: BenchOptions): Promise<BenchResult[]> {
  const edits = loadEdits('automerge-paper')
  const used = quick ? edits.slice(0, QUICK_EDITS) : edits
  const rounds = quick ? QUICK_ROUNDS : ROUNDS
  const rows = yjsRows(used.length, await runYjsPaths(used, rounds, log))
  rows.push(...(await automergeRows(quick ? QUICK_AUTOMERGE_SETS : AUTOMERGE_SETS, rounds, log)))
  return rows
}

export const durableWrites: Benchmark = { id: 1, name: BENCH, run }
