/**
 * The rows of #8, medians over rounds: the floor and what prices the target
 * (RTT, transport throughput), the library's own encode/apply cost, then
 * isthmus against `floor + 1 RTT + transfer` (the target) and against the
 * same plus Yjs's encode and apply (what no sync protocol avoids).
 */

import { median } from '../harness/measure.ts'
import { type BenchResult, row, type Target } from '../harness/result.ts'
import type { FloorRun } from './libp2p-floor.ts'
import type { Exchanged } from './sync-timeline.ts'

/** One round: the floor, b dialing a, b bootstrapping from a. */
export interface RoundResult {
  floor: FloorRun
  dial: {
    /** dial() call → b's document identical to a's. */
    totalMs: number
    /** dial() call → the frame stream is up (dial resolved). */
    linkMs: number
    /** Frames between a and b received by the time b held the document. */
    frames: Exchanged[]
    bytesAToB: number
    /** a → b, heartbeats aside, until AFTERMATH_MS after b held the document (a pull answered twice shows here). */
    bytesAToBAftermath: number
    /** One-way trips on the chain of frames the sync waited on. */
    trips: number
    throughputBytesPerMs: number
    /** Where `frame stream up → identical` went, from the timeline (undefined if it could not be read). */
    stages: SyncStages | undefined
  }
  /** start() call → identical, b bootstrapping from a. */
  bootstrapMs: number
}

/** Stream up → identical, cut at the last request and its answer. */
export interface SyncStages {
  /** Stream up → b sends the request a answers last (vectors exchange, b opening its session). */
  beforeRequestMs: number
  /** The request in flight. */
  requestMs: number
  /** a: request received → answer sent (decode, Yjs diff, encode, queue). */
  answerMs: number
  /** The answer in flight (Noise, Yamux, TCP, framing, both event loops). */
  inFlightMs: number
  /** b: answer received → identical (check, apply, the 'change' event). */
  applyMs: number
}

const stageNames: Array<[keyof SyncStages, string]> = [
  ['beforeRequestMs', '  stream up → last request sent'],
  ['requestMs', '  request in flight'],
  ['answerMs', '  a: request → answer sent'],
  ['inFlightMs', '  answer in flight'],
  ['applyMs', '  b: answer → identical'],
]

interface RowsInput {
  bench: string
  rounds: RoundResult[]
  library: { snapshotBytes: number; encodeMs: number; applyMs: number }
  edits: number
}

const target: Target = { cmp: '<=', ratio: 1 }

type Peer = { name: string; value: number }

function maker(bench: string, caseName: string) {
  return (metric: string, value: number, unit: string, peer?: Peer, t?: Target): BenchResult => {
    const fields = { bench, case: caseName, metric, value, unit }
    return row(t === undefined ? fields : { ...fields, target: t }, peer)
  }
}

function med(rounds: readonly RoundResult[], pick: (r: RoundResult) => number): number {
  return median(rounds.map(pick))
}

/** Median of each stage, each against what it would cost on its own. */
function stageRows(
  d: ReturnType<typeof maker>,
  rounds: readonly RoundResult[],
  floor: { rttMs: number; transferMs: number; encodeMs: number; applyMs: number },
): BenchResult[] {
  const staged = rounds.flatMap((r) => (r.dial.stages === undefined ? [] : [r.dial.stages]))
  if (staged.length === 0) return []
  const own: Record<keyof SyncStages, Peer | undefined> = {
    beforeRequestMs: { name: '1 RTT', value: floor.rttMs },
    requestMs: { name: '½ RTT', value: floor.rttMs / 2 },
    answerMs: { name: 'Y.encodeStateAsUpdate', value: floor.encodeMs },
    inFlightMs: { name: '½ RTT + transfer', value: floor.rttMs / 2 + floor.transferMs },
    applyMs: { name: 'Y.applyUpdate', value: floor.applyMs },
  }
  return stageNames.map(([key, metric]) => d(metric, median(staged.map((s) => s[key])), 'ms', own[key]))
}

export function firstSyncRows({ bench, rounds, library, edits }: RowsInput): BenchResult[] {
  const floorMs = med(rounds, (r) => r.floor.totalMs)
  const rttMs = med(rounds, (r) => r.floor.rttMs)
  const throughput = med(rounds, (r) => r.dial.throughputBytesPerMs)
  const bytesAToB = med(rounds, (r) => r.dial.bytesAToB)
  const transferMs = bytesAToB / throughput
  const totalMs = med(rounds, (r) => r.dial.totalMs)
  const worstMs = Math.max(...rounds.map((r) => r.dial.totalMs))
  const bestMs = Math.min(...rounds.map((r) => r.dial.totalMs))
  const linkMs = med(rounds, (r) => r.dial.linkMs)
  const allowed = { name: 'floor + 1 RTT + transfer', value: floorMs + rttMs + transferMs }
  const library_ = library.encodeMs + library.applyMs
  const withLibrary = { name: '… + Yjs encode + apply', value: allowed.value + library_ }
  const floor = { name: 'floor', value: floorMs }
  const afterLink = { name: '1 RTT + transfer + Yjs encode + apply', value: rttMs + transferMs + library_ }
  const n = rounds.length
  const f = maker(bench, 'floor: bare libp2p dial, loopback')
  const l = maker(bench, `yjs document, ${edits.toLocaleString('en-US')} edits`)
  const d = maker(bench, 'isthmus: dial → identical')
  const b = maker(bench, 'isthmus: start with bootstrap → identical')
  return [
    f(
      'dial → connection open',
      med(rounds, (r) => r.floor.connectMs),
      'ms',
    ),
    f(
      'connection → stream open',
      med(rounds, (r) => r.floor.streamMs),
      'ms',
    ),
    f('dial → stream open (the floor)', floorMs, 'ms'),
    f('RTT (1-byte echo on the stream)', rttMs, 'ms'),
    f('transport throughput a → b', throughput / 1000, 'MB/s'),
    l('snapshot bytes', library.snapshotBytes, 'B'),
    l('Y.encodeStateAsUpdate', library.encodeMs, 'ms'),
    l('Y.applyUpdate (fresh doc)', library.applyMs, 'ms'),
    d('time', totalMs, 'ms', allowed, target),
    d(`time, best of ${n} rounds`, bestMs, 'ms', allowed),
    d(`time, worst of ${n} rounds`, worstMs, 'ms', allowed),
    d('time', totalMs, 'ms', withLibrary),
    d('dial → frame stream up', linkMs, 'ms', floor),
    d('frame stream up → identical', totalMs - linkMs, 'ms', afterLink),
    ...stageRows(d, rounds, { rttMs, transferMs, encodeMs: library.encodeMs, applyMs: library.applyMs }),
    d('bytes a → b until identical', bytesAToB, 'B', {
      name: 'snapshot bytes',
      value: library.snapshotBytes,
    }),
    d(
      'bytes a → b until 1 s after (no heartbeats)',
      med(rounds, (r) => r.dial.bytesAToBAftermath),
      'B',
      { name: 'snapshot bytes', value: library.snapshotBytes },
    ),
    d('transfer (bytes / throughput)', transferMs, 'ms'),
    d(
      'frames until identical (no heartbeats)',
      med(rounds, (r) => r.dial.frames.filter((x) => x.kind !== 'heartbeat').length),
      'frames',
    ),
    d('round trips after the stream (≤, chain)', med(rounds, (r) => r.dial.trips) / 2, 'RTT', {
      name: 'the 1 RTT allowed',
      value: 1,
    }),
    b(
      'time',
      med(rounds, (r) => r.bootstrapMs),
      'ms',
      allowed,
    ),
    b(
      'time',
      med(rounds, (r) => r.bootstrapMs),
      'ms',
      { name: 'dial → identical', value: totalMs },
    ),
  ]
}
