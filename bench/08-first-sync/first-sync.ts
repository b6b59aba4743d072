/**
 * #8 connection and first sync. Node a holds a B4-sized Yjs document (the
 * whole trace, applied through a's handle in a hundred transactions); a
 * fresh node b connects and is timed until its document is identical to
 * a's (canonical JSON, compared on each of b's 'change' events). Two ways:
 * b started, then dialing a (`transport.dial`), against the floor; and b
 * started with a as its bootstrap (store open and key generation included).
 *
 * In the same run, every round: the floor (two bare libp2p nodes with the
 * transport's TCP/Noise/Yamux config: dial → stream open), the RTT on that
 * stream, and the transport's loopback throughput (bulk frames a → b over the
 * same transport), which prices the transfer: bytes a sent b before b held
 * the document / throughput. Target: ≤ floor + 1 RTT + transfer.
 */
import * as Y from 'yjs'
import { canonicalJson } from '../../crdt/index.ts'
import type { DocHandle } from '../../src/docs/doc-handle.ts'
import { type BenchNode, BenchNodes, pollUntil, sleep } from '../harness/libp2p-nodes.ts'
import { median } from '../harness/measure.ts'
import type { Benchmark, BenchOptions, BenchResult } from '../harness/result.ts'
import { loadTraceEdits, type TraceEdit } from '../harness/trace.ts'
import { firstSyncRows, type RoundResult } from './first-sync-rows.ts'
import { measureFloor } from './libp2p-floor.ts'
import { criticalTrips, describeFrames, type Exchanged, lastExchange, SyncTimeline } from './sync-timeline.ts'

const BENCH = 'first-sync'
const DOC = 'b4'

interface Sizes {
  /** Edits of the trace a's document holds (undefined: all of them). */
  edits: number | undefined
  /** Transactions that build it through a's handle. */
  transactions: number
  rounds: number
  throughputBytes: number
}

const FULL: Sizes = { edits: undefined, transactions: 100, rounds: 5, throughputBytes: 16 * 2 ** 20 }
/** --quick: the first 30k edits of the trace. */
const QUICK: Sizes = { edits: 30_000, transactions: 10, rounds: 3, throughputBytes: 4 * 2 ** 20 }

/** How long b may take to hold a's document before the round fails. */
const SYNC_TIMEOUT_MS = 60_000
/** Bulk frames for the throughput: big enough that per-frame costs vanish, well under the 32 MiB frame bound. */
const THROUGHPUT_FRAME_BYTES = 256 * 1024
/** First byte of a throughput frame: anything but WIRE_VERSION keeps it away from the node. */
const BULK_MARKER = 0xfe
/** Times the encode and apply of the document are repeated; the median is kept. */
const LIBRARY_ROUNDS = 5
/** How long after b holds the document its frames are still counted: catches pulls answered twice. */
const AFTERMATH_MS = 1_000

function applyEdit(text: Y.Text, edit: TraceEdit): void {
  if (edit.deleteCount > 0) text.delete(edit.pos, edit.deleteCount)
  if (edit.insert.length > 0) text.insert(edit.pos, edit.insert)
}

/** a's document, built through its handle; returns the canonical value b must reach. */
async function buildDocument(handle: DocHandle<Y.Doc>, edits: readonly TraceEdit[], sizes: Sizes) {
  const per = Math.ceil(edits.length / sizes.transactions)
  for (let at = 0; at < edits.length; at += per) {
    const chunk = edits.slice(at, at + per)
    await handle.change((doc) => {
      const text = doc.getText('t')
      for (const edit of chunk) applyEdit(text, edit)
    })
  }
  await handle.flush()
  return canonicalJson(handle.value())
}

/** What Yjs itself needs to move the document: encode on a, apply on a fresh doc (medians). */
function libraryCost(doc: Y.Doc): { snapshotBytes: number; encodeMs: number; applyMs: number } {
  const timed = (fn: () => void) => {
    const startMs = performance.now()
    fn()
    return performance.now() - startMs
  }
  let snapshot: Uint8Array = new Uint8Array()
  const encodeMs = median(
    Array.from({ length: LIBRARY_ROUNDS }, () => timed(() => (snapshot = Y.encodeStateAsUpdate(doc)))),
  )
  const applyMs = median(
    Array.from({ length: LIBRARY_ROUNDS }, () => timed(() => Y.applyUpdate(new Y.Doc(), snapshot))),
  )
  return { snapshotBytes: snapshot.length, encodeMs, applyMs }
}

/** Waits until `handle` holds `expected`, checking on every remote 'change'; resolves with when it first did. */
function whenIdentical(
  handle: DocHandle<Y.Doc>,
  expected: string,
): { at: () => number | undefined; stop(): void } {
  let identicalAtMs: number | undefined
  const check = (atMs: number) => {
    if (identicalAtMs === undefined && canonicalJson(handle.value()) === expected) identicalAtMs = atMs
  }
  const stop = handle.on('change', ({ origin }) => {
    if (origin !== 'local') check(performance.now())
  })
  check(performance.now())
  return { at: () => identicalAtMs, stop }
}

/** Bulk frames a → b over the transport; bytes per ms from the first send to the last receipt. */
async function measureThroughput(a: BenchNode, b: BenchNode, totalBytes: number): Promise<number> {
  const frame = new Uint8Array(THROUGHPUT_FRAME_BYTES)
  frame[0] = BULK_MARKER
  const count = Math.ceil(totalBytes / THROUGHPUT_FRAME_BYTES)
  let received = 0
  let lastAtMs: number | undefined
  b.tap.onBenchFrame = (_from, bytes) => {
    received += bytes.length
    if (received >= count * THROUGHPUT_FRAME_BYTES) lastAtMs = performance.now()
  }
  const startMs = performance.now()
  for (let i = 0; i < count; i++)
    if (!a.tap.sendBench(b.node.id, frame)) throw new Error('throughput frame refused by the transport')
  const done = await pollUntil(() => lastAtMs !== undefined, SYNC_TIMEOUT_MS, 1)
  b.tap.onBenchFrame = undefined
  if (!done || lastAtMs === undefined) throw new Error('throughput frames did not all arrive')
  return (count * THROUGHPUT_FRAME_BYTES) / (lastAtMs - startMs)
}

/** b started, then dialing a; timed from the dial() call. */
async function syncByDial(nodes: BenchNodes, a: BenchNode, expected: string, name: string, sizes: Sizes) {
  const b = await nodes.start(name)
  try {
    const handle: DocHandle<Y.Doc> = await b.node.doc(DOC)
    const identical = whenIdentical(handle, expected)
    const timeline = new SyncTimeline({ tap: a.tap, id: a.node.id }, { tap: b.tap, id: b.node.id })
    const startMs = performance.now()
    await b.tap.transport.dial(a.address)
    const linkMs = performance.now() - startMs
    const synced = await pollUntil(() => identical.at() !== undefined, SYNC_TIMEOUT_MS, 1)
    identical.stop()
    const atMs = identical.at()
    if (!synced || atMs === undefined) throw new Error(`${name} did not reach a's document in time`)
    await sleep(AFTERMATH_MS)
    timeline.detach()
    const frames = timeline.receivedBy(atMs)
    const aToB = (list: Exchanged[]) =>
      list.filter((f) => f.direction === 'aToB' && f.kind !== 'heartbeat').reduce((n, f) => n + f.bytes, 0)
    const throughputBytesPerMs = await measureThroughput(a, b, sizes.throughputBytes)
    const last = lastExchange(frames)
    const upMs = startMs + linkMs
    return {
      // Stream up → b's last request sent; a's turn; the answer in flight; b applying it.
      stages:
        last === undefined
          ? undefined
          : {
              beforeRequestMs: last.requestSentMs - upMs,
              requestMs: last.requestReceivedMs - last.requestSentMs,
              answerMs: last.answerSentMs - last.requestReceivedMs,
              inFlightMs: last.answerReceivedMs - last.answerSentMs,
              applyMs: atMs - last.answerReceivedMs,
            },
      totalMs: atMs - startMs,
      linkMs,
      frames,
      bytesAToB: frames.filter((f) => f.direction === 'aToB').reduce((n, f) => n + f.bytes, 0),
      bytesAToBAftermath: aToB(timeline.receivedBy(atMs + AFTERMATH_MS)),
      trips: criticalTrips(frames),
      throughputBytesPerMs,
    }
  } finally {
    await nodes.stop(b)
  }
}

/** b created with a as its bootstrap; timed from the start() call (store open and key generation included). */
async function syncByBootstrap(nodes: BenchNodes, a: BenchNode, expected: string, name: string) {
  const { node, tap } = await nodes.create(name, [a.address])
  const startMs = performance.now()
  await node.start()
  const b = nodes.started(name, node, tap)
  try {
    const identical = whenIdentical(await node.doc(DOC), expected)
    const synced = await pollUntil(() => identical.at() !== undefined, SYNC_TIMEOUT_MS, 1)
    identical.stop()
    const atMs = identical.at()
    if (!synced || atMs === undefined) throw new Error(`${name} did not reach a's document in time`)
    return atMs - startMs
  } finally {
    await nodes.stop(b)
  }
}

async function runRound(
  nodes: BenchNodes,
  a: BenchNode,
  expected: string,
  round: number,
  sizes: Sizes,
): Promise<RoundResult> {
  const floor = await measureFloor()
  const dial = await syncByDial(nodes, a, expected, `dial-${round}`, sizes)
  const bootstrapMs = await syncByBootstrap(nodes, a, expected, `boot-${round}`)
  return { floor, dial, bootstrapMs }
}

function describeRound(round: number, r: RoundResult): string {
  const f = (ms: number) => ms.toFixed(1)
  return (
    `round ${round}: floor ${f(r.floor.totalMs)} ms (rtt ${r.floor.rttMs.toFixed(3)}), ` +
    `dial→identical ${f(r.dial.totalMs)} ms (link ${f(r.dial.linkMs)}), bootstrap ${f(r.bootstrapMs)} ms, ` +
    `${r.dial.trips} trips; ${describeFrames(r.dial.frames)}; ` +
    `a → b ${r.dial.bytesAToB} B until identical, ${r.dial.bytesAToBAftermath} B by 1 s after; ` +
    `${(r.dial.throughputBytesPerMs / 1000).toFixed(0)} MB/s`
  )
}

async function run({ quick, log }: BenchOptions): Promise<BenchResult[]> {
  const sizes = quick ? QUICK : FULL
  const trace = loadTraceEdits('automerge-paper')
  const edits = sizes.edits === undefined ? trace.edits : trace.edits.slice(0, sizes.edits)
  const nodes = await BenchNodes.create('first-sync')
  try {
    const a = await nodes.start('a')
    const handle: DocHandle<Y.Doc> = await a.node.doc(DOC)
    log(`building a's document: ${edits.length} edits in ${sizes.transactions} transactions`)
    const expected = await buildDocument(handle, edits, sizes)
    if (sizes.edits === undefined && handle.ydoc.getText('t').toString() !== trace.endContent)
      throw new Error("a's document does not match the trace's end content")
    log('warm-up round (not recorded)')
    await runRound(nodes, a, expected, 0, sizes)
    const library = libraryCost(handle.ydoc)
    log(
      `document: ${library.snapshotBytes} B, encode ${library.encodeMs.toFixed(1)} ms, ` +
        `apply ${library.applyMs.toFixed(1)} ms`,
    )
    const rounds: RoundResult[] = []
    for (let round = 1; round <= sizes.rounds; round++) {
      const result = await runRound(nodes, a, expected, round, sizes)
      log(describeRound(round, result))
      rounds.push(result)
    }
    return firstSyncRows({ bench: BENCH, rounds, library, edits: edits.length })
  } finally {
    await nodes.close()
  }
}

export const firstSync: Benchmark = { id: 8, name: BENCH, run }
