/**
 * #7 replication over libp2p. Three real nodes on loopback (TCP + Noise +
 * Yamux, full mesh); node a applies the B4 trace's edits, one Y.Text
 * transaction per edit through `handle.change`, paced at 1k and 10k edits/s;
 * b and c are timed from each change() call to their handle's remote 'change'
 * event. In the same run, on the same connections (the writer's transport
 * `send`), a y-websocket-style peer sends every update of a plain Y.Doc as
 * its own y-protocols message. Wire bytes are what a's TCP sockets wrote
 * (socket-bytes.ts), net of heartbeats (priced from an idle window).
 *
 * The paths alternate within a round, rounds repeat, and latency samples are
 * pooled over rounds and both receivers; the worst round's p99 is shown too.
 */

import { availableParallelism, loadavg } from 'node:os'
import {
  type BenchNode,
  BenchNodes,
  countsSince,
  emptyCounts,
  FRAME_KINDS,
  type FrameCounts,
  pollUntil,
  sleep,
} from '../harness/libp2p-nodes.ts'
import { percentile } from '../harness/measure.ts'
import type { Benchmark, BenchOptions, BenchResult } from '../harness/result.ts'
import { loadEdits, type TraceEdit } from '../harness/trace.ts'
import {
  type PhaseRun,
  type PreparedPhase,
  prepareIsthmusPhase,
  prepareYWebsocketPhase,
} from './replication-phases.ts'
import { type Background, type PathTotals, replicationRows } from './replication-rows.ts'
import { SocketBytes } from './socket-bytes.ts'

const BENCH = 'libp2p-replication'

interface Sizes {
  /** Edits per second, and how long each phase at that rate lasts. */
  phases: Array<{ ratePerS: number; seconds: number }>
  rounds: number
  /** The idle window that prices heartbeats on the wire. */
  idleMs: number
}

const FULL: Sizes = {
  phases: [
    { ratePerS: 1_000, seconds: 8 },
    { ratePerS: 10_000, seconds: 4 },
  ],
  rounds: 3,
  idleMs: 3_000,
}
/** --quick: 1k edits/s for ~3 s, once per path. */
const QUICK: Sizes = { phases: [{ ratePerS: 1_000, seconds: 3 }], rounds: 1, idleMs: 1_500 }

/** Unrecorded edits per path first, so neither path pays the JIT warm-up alone. */
const WARMUP = { ratePerS: 1_000, edits: 1_000 }
/** Wait between phases: over two heartbeats (250 ms), so acks and digest-driven pulls of the last phase land. */
const SETTLE_MS = 700
/** How long receivers may take to catch up after the last edit before the phase counts as incomplete. */
const DRAIN_TIMEOUT_MS = 30_000
/** How long the mesh may take to form. */
const MESH_TIMEOUT_MS = 15_000

export type PathName = 'isthmus' | 'y-websocket-style'

interface Mesh {
  writer: BenchNode
  receivers: BenchNode[]
  sockets: SocketBytes
  /** Phases run so far: each gets a fresh document. */
  phases: number
}

/** What the counters said at one moment: frames by kind, and bytes a's and the receivers' sockets wrote. */
interface Counters {
  writerOut: FrameCounts
  receiversOut: FrameCounts
  wireOutBytes: number
  wireBackBytes: number
  queueFull: number
}

function counters(mesh: Mesh): Counters {
  const receiversOut = emptyCounts()
  for (const r of mesh.receivers) {
    for (const k of FRAME_KINDS) {
      receiversOut.frames[k] += r.tap.sent.frames[k]
      receiversOut.bytes[k] += r.tap.sent.bytes[k]
    }
  }
  return {
    writerOut: structuredClone(mesh.writer.tap.sent),
    receiversOut,
    wireOutBytes: mesh.sockets.writtenByListener(mesh.writer.port),
    wireBackBytes: mesh.sockets.writtenToListener(mesh.writer.port),
    queueFull: mesh.writer.tap.inner.stats().dropped.queueFull,
  }
}

/** a listens; b dials a; c dials a and b. a dials no one, so every socket of a is one its listener accepted. */
async function startMesh(nodes: BenchNodes, sockets: SocketBytes): Promise<Mesh> {
  const a = await nodes.start('a')
  const b = await nodes.start('b', [a.address])
  const c = await nodes.start('c', [a.address, b.address])
  const all = [a, b, c]
  const formed = await pollUntil(
    () => all.every((n) => n.node.view().reachable.length === 3 && n.node.addresses().length > 0),
    MESH_TIMEOUT_MS,
    20,
  )
  if (!formed) throw new Error(`the mesh did not form within ${MESH_TIMEOUT_MS} ms`)
  return { writer: a, receivers: [b, c], sockets, phases: 0 }
}

async function measureBackground(mesh: Mesh, idleMs: number): Promise<Background> {
  const before = counters(mesh)
  await sleep(idleMs)
  const after = counters(mesh)
  const out = countsSince(after.writerOut, before.writerOut)
  const back = countsSince(after.receiversOut, before.receiversOut)
  const wireOutBytes = after.wireOutBytes - before.wireOutBytes
  return {
    idleMs,
    wireOutPerHeartbeat: wireOutBytes / out.frames.heartbeat,
    wireBackPerHeartbeat: (after.wireBackBytes - before.wireBackBytes) / back.frames.heartbeat,
    heartbeatFrameBytesOut: out.bytes.heartbeat,
    heartbeatFramesOut: out.frames.heartbeat,
  }
}

function emptyTotals(): PathTotals {
  return {
    runs: [],
    out: emptyCounts(),
    back: emptyCounts(),
    wireOutBytes: 0,
    wireBackBytes: 0,
    queueFull: 0,
  }
}

function addPhase(totals: PathTotals, run: PhaseRun, before: Counters, after: Counters): void {
  totals.runs.push(run)
  const out = countsSince(after.writerOut, before.writerOut)
  const back = countsSince(after.receiversOut, before.receiversOut)
  for (const k of FRAME_KINDS) {
    totals.out.frames[k] += out.frames[k]
    totals.out.bytes[k] += out.bytes[k]
    totals.back.frames[k] += back.frames[k]
    totals.back.bytes[k] += back.bytes[k]
  }
  totals.wireOutBytes += after.wireOutBytes - before.wireOutBytes
  totals.wireBackBytes += after.wireBackBytes - before.wireBackBytes
  totals.queueFull += after.queueFull - before.queueFull
}

async function runPhase(
  mesh: Mesh,
  path: PathName,
  edits: readonly TraceEdit[],
  ratePerS: number,
): Promise<{ run: PhaseRun; before: Counters; after: Counters }> {
  mesh.phases++
  const input = {
    writer: mesh.writer,
    receivers: mesh.receivers,
    docName: `replication-${mesh.phases}`,
    edits,
    ratePerS,
    drainTimeoutMs: DRAIN_TIMEOUT_MS,
  }
  const prepared: PreparedPhase =
    path === 'isthmus' ? await prepareIsthmusPhase(input) : await prepareYWebsocketPhase(input)
  await sleep(SETTLE_MS)
  const before = counters(mesh)
  const run = await prepared.run()
  await sleep(SETTLE_MS)
  return { run, before, after: counters(mesh) }
}

function describe(path: PathName, ratePerS: number, run: PhaseRun): string {
  const p = (q: number) => percentile(run.latencyMs, q).toFixed(2)
  const rate = Math.round(run.edits / (run.paceMs / 1000))
  const status = run.completed ? '' : ' INCOMPLETE'
  const loop = `event-loop delay p99 ${run.loopDelayP99Ms.toFixed(1)} max ${run.loopDelayMaxMs.toFixed(0)} ms`
  return `${path} ${ratePerS}/s: ${run.edits} edits at ${rate}/s, p50 ${p(50)} ms, p99 ${p(99)} ms; ${loop}${status}`
}

async function runRounds(
  mesh: Mesh,
  edits: readonly TraceEdit[],
  sizes: Sizes,
  log: BenchOptions['log'],
): Promise<Map<string, PathTotals>> {
  const totals = new Map<string, PathTotals>()
  for (let round = 1; round <= sizes.rounds; round++) {
    for (const { ratePerS, seconds } of sizes.phases) {
      const slice = edits.slice(0, ratePerS * seconds)
      // Alternate which path goes first, so a drift in machine load falls on both alike.
      const order: PathName[] =
        round % 2 === 1 ? ['isthmus', 'y-websocket-style'] : ['y-websocket-style', 'isthmus']
      for (const path of order) {
        const { run, before, after } = await runPhase(mesh, path, slice, ratePerS)
        log(`round ${round}/${sizes.rounds}: ${describe(path, ratePerS, run)}`)
        const key = `${path} ${ratePerS}`
        const entry = totals.get(key) ?? emptyTotals()
        addPhase(entry, run, before, after)
        totals.set(key, entry)
      }
    }
  }
  return totals
}

async function run({ quick, log }: BenchOptions): Promise<BenchResult[]> {
  const sizes = quick ? QUICK : FULL
  log(
    `load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} on ${availableParallelism()} cores`,
  )
  const edits = loadEdits('automerge-paper')
  const sockets = new SocketBytes()
  const nodes = await BenchNodes.create('replication')
  try {
    const mesh = await startMesh(nodes, sockets)
    const accepted = sockets.openAcceptedBy(mesh.writer.port)
    if (accepted !== 2) log(`warning: the writer holds ${accepted} accepted connections, not 2`)
    log(`mesh up: a ${mesh.writer.node.id.slice(-8)}, b and c dialed it; warming up both paths`)
    for (const path of ['isthmus', 'y-websocket-style'] as const)
      await runPhase(mesh, path, edits.slice(0, WARMUP.edits), WARMUP.ratePerS)
    const background = await measureBackground(mesh, sizes.idleMs)
    log(
      `idle ${sizes.idleMs} ms: ${background.heartbeatFramesOut} heartbeats out of a, ` +
        `${background.wireOutPerHeartbeat.toFixed(0)} wire B each`,
    )
    const totals = await runRounds(mesh, edits, sizes, log)
    return replicationRows({
      bench: BENCH,
      totals,
      rates: sizes.phases.map((p) => p.ratePerS),
      receivers: mesh.receivers.length,
      background,
      rounds: sizes.rounds,
    })
  } finally {
    await nodes.close()
    sockets.close()
  }
}

export const libp2pReplication: Benchmark = { id: 7, name: BENCH, run }
