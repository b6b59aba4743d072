/**
 * One measured phase of #7: a writer applies a slice of the B4 trace at a
 * paced rate (open loop, real timers), and every receiver's remote apply of
 * each edit is timed. Two paths over the same link:
 *
 * - isthmus: each edit is one `handle.change` (a Y.Text transaction), which
 *   the node makes durable, then coalesces per tick into one `updates` frame
 *   per peer; a receiver's apply is its handle's 'change' event (origin not
 *   'local').
 * - y-websocket-style: a plain Y.Doc whose every 'update' is sent at once as
 *   its own y-protocols message (messageSync + messageYjsUpdate) through the
 *   writer's transport `send`; a receiver applies it with `readSyncMessage`.
 *
 * Edits are matched to arrivals by progress in UTF-16 units: after edit i a
 * replica holds Σ(inserted + deleted) units of the writer's, which only
 * grows; a receiver counts the same from each transaction (state-vector gain
 * plus the lengths in its delete set), so edit i has arrived once the
 * receiver's count reaches edit i's mark.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import * as syncProtocol from 'y-protocols/sync'
import * as Y from 'yjs'
import type { DocHandle } from '../../src/docs/doc-handle.ts'
import type { BenchNode } from '../harness/libp2p-nodes.ts'
import { pollUntil } from '../harness/libp2p-nodes.ts'
import type { TraceEdit } from '../harness/trace.ts'

/** y-protocols' top-level message type for sync messages (y-websocket's `messageSync`). */
const MESSAGE_SYNC = 0

/** What one phase measured. */
export interface PhaseRun {
  edits: number
  /** Every receiver saw every edit before the drain timeout. */
  completed: boolean
  /** From the first edit issued to the last. */
  paceMs: number
  /** Bytes of the Yjs updates the writer's transactions produced: the update's own size. */
  updateBytes: number
  /** Edit → remote apply, ms, one sample per edit per receiver that saw it. */
  latencyMs: Float64Array
  /** handle.change rejections (isthmus) or refused sends (y-websocket-style). */
  failures: number
  /** Edit → durable at the writer (handle.change resolved), ms; empty for the y-websocket-style path. */
  durableMs: Float64Array
  /** Edit → the writer's first `updates` frame to the first receiver after it was durable, ms (isthmus). */
  frameSentMs: Float64Array
  /** This process's event-loop delay while the phase ran (stalls every path here shares), ms. */
  loopDelayP99Ms: number
  loopDelayMaxMs: number
}

/** Where each edit stands: its mark (units a replica holds once it has the edit) and when it was issued. */
class EditMarks {
  readonly marks: Float64Array
  readonly sentMs: Float64Array
  issued = 0

  constructor(edits: readonly TraceEdit[]) {
    this.marks = new Float64Array(edits.length)
    this.sentMs = new Float64Array(edits.length)
    let units = 0
    edits.forEach((e, i) => {
      units += e.insert.length + e.deleteCount
      this.marks[i] = units
    })
  }

  /** Called right before the edit's transaction: the timestamp is the change() call. */
  sent(i: number): void {
    this.sentMs[i] = performance.now()
    this.issued = i + 1
  }
}

/** One receiver's arrivals: edits resolve in order as its progress passes their marks. */
class Arrivals {
  readonly #marks: EditMarks
  readonly #latencyMs: Float64Array
  #next = 0

  constructor(marks: EditMarks) {
    this.#marks = marks
    this.#latencyMs = new Float64Array(marks.marks.length)
  }

  get done(): boolean {
    return this.#next === this.#marks.marks.length
  }

  get latencyMs(): Float64Array {
    return this.#latencyMs.subarray(0, this.#next)
  }

  observe(units: number, nowMs: number): void {
    const { marks, sentMs, issued } = this.#marks
    while (this.#next < issued && (marks[this.#next] ?? Number.POSITIVE_INFINITY) <= units) {
      this.#latencyMs[this.#next] = nowMs - (sentMs[this.#next] ?? nowMs)
      this.#next++
    }
  }
}

/**
 * The writer's side of the isthmus path: when each edit was issued and became
 * durable, and when `updates` frames left for one receiver. An edit rides the
 * first frame sent after it was durable: the node queues it when durable and
 * flushes on a timer, which cannot fire between the two.
 */
class WriterTimes {
  readonly #issuedAtMs: Float64Array
  readonly #durableAtMs: Float64Array
  readonly #framesAtMs: number[] = []
  #issued = 0

  constructor(count: number) {
    this.#issuedAtMs = new Float64Array(count)
    this.#durableAtMs = new Float64Array(count).fill(Number.NaN)
  }

  /** Notes an edit being issued now; returns its index. */
  issued(): number {
    this.#issuedAtMs[this.#issued] = performance.now()
    return this.#issued++
  }

  durable(i: number): void {
    this.#durableAtMs[i] = performance.now()
  }

  frameSent(atMs: number): void {
    this.#framesAtMs.push(atMs)
  }

  summary(): { durableMs: Float64Array; frameSentMs: Float64Array } {
    const durableMs: number[] = []
    const frameSentMs: number[] = []
    let frame = 0
    for (let i = 0; i < this.#issued; i++) {
      const durableAtMs = this.#durableAtMs[i] ?? Number.NaN
      const issuedAtMs = this.#issuedAtMs[i] ?? Number.NaN
      if (Number.isNaN(durableAtMs)) continue
      durableMs.push(durableAtMs - issuedAtMs)
      while (frame < this.#framesAtMs.length && (this.#framesAtMs[frame] ?? 0) < durableAtMs) frame++
      const sentAtMs = this.#framesAtMs[frame]
      if (sentAtMs !== undefined) frameSentMs.push(sentAtMs - issuedAtMs)
    }
    return { durableMs: Float64Array.from(durableMs), frameSentMs: Float64Array.from(frameSentMs) }
  }
}

/** Counts the units a Y.Doc has taken in from all clients, transaction by transaction. */
function trackUnits(doc: Y.Doc): { readonly units: number; stop(): void } {
  let units = 0
  const onTransaction = (tr: Y.Transaction): void => {
    for (const [client, clock] of tr.afterState) units += clock - (tr.beforeState.get(client) ?? 0)
    for (const items of tr.deleteSet.clients.values()) for (const item of items) units += item.len
  }
  doc.on('afterTransaction', onTransaction)
  return {
    get units() {
      return units
    },
    stop: () => doc.off('afterTransaction', onTransaction),
  }
}

function applyEdit(text: Y.Text, edit: TraceEdit): void {
  if (edit.deleteCount > 0) text.delete(edit.pos, edit.deleteCount)
  if (edit.insert.length > 0) text.insert(edit.pos, edit.insert)
}

/**
 * Issues `count` edits at `ratePerS`, open loop: edit i is due at start +
 * i / rate, and each timer tick issues every edit due by then (setTimeout
 * fires at best every ~1 ms, so at 10k/s a tick issues about ten).
 */
export function pace(ratePerS: number, count: number, issue: (i: number) => void): Promise<number> {
  const startMs = performance.now()
  let issued = 0
  return new Promise((resolve) => {
    const tick = (): void => {
      const elapsedMs = performance.now() - startMs
      const due = Math.min(count, Math.floor((elapsedMs * ratePerS) / 1000) + 1)
      while (issued < due) issue(issued++)
      if (issued >= count) {
        resolve(performance.now() - startMs)
        return
      }
      const nextDueMs = (issued * 1000) / ratePerS
      setTimeout(tick, Math.max(0, nextDueMs - elapsedMs))
    }
    tick()
  })
}

/** A phase opened and ready to run: the caller snapshots its counters between the two. */
export interface PreparedPhase {
  run(): Promise<PhaseRun>
}

interface PhaseInput {
  writer: BenchNode
  receivers: readonly BenchNode[]
  /** A document name not used before in this run. */
  docName: string
  edits: readonly TraceEdit[]
  ratePerS: number
  drainTimeoutMs: number
}

async function drive(
  input: PhaseInput,
  marks: EditMarks,
  arrivals: readonly Arrivals[],
  issue: (edit: TraceEdit) => void,
): Promise<{
  completed: boolean
  paceMs: number
  latencyMs: Float64Array
  loopDelayP99Ms: number
  loopDelayMaxMs: number
}> {
  const loopDelay = monitorEventLoopDelay({ resolution: 1 })
  loopDelay.enable()
  const paceMs = await pace(input.ratePerS, input.edits.length, (i) => {
    marks.sent(i)
    issue(input.edits[i] as TraceEdit)
  })
  const completed = await pollUntil(() => arrivals.every((a) => a.done), input.drainTimeoutMs)
  loopDelay.disable()
  const total = arrivals.reduce((sum, a) => sum + a.latencyMs.length, 0)
  const latencyMs = new Float64Array(total)
  let at = 0
  for (const a of arrivals) {
    latencyMs.set(a.latencyMs, at)
    at += a.latencyMs.length
  }
  const nsPerMs = 1e6
  return {
    completed,
    paceMs,
    latencyMs,
    loopDelayP99Ms: loopDelay.percentile(99) / nsPerMs,
    loopDelayMaxMs: loopDelay.max / nsPerMs,
  }
}

/** isthmus: one `handle.change` per edit on the writer; arrivals from the receivers' 'change' events. */
export async function prepareIsthmusPhase(input: PhaseInput): Promise<PreparedPhase> {
  const handle: DocHandle<Y.Doc> = await input.writer.node.doc(input.docName)
  const remotes = await Promise.all(input.receivers.map((r) => r.node.doc(input.docName)))
  return {
    async run() {
      const marks = new EditMarks(input.edits)
      const arrivals = remotes.map(() => new Arrivals(marks))
      const trackers = remotes.map((remote) => trackUnits(remote.ydoc))
      const unsubscribe = remotes.map((remote, j) =>
        remote.on('change', ({ origin }) => {
          if (origin !== 'local') arrivals[j]?.observe(trackers[j]?.units ?? 0, performance.now())
        }),
      )
      let updateBytes = 0
      const onUpdate = (update: Uint8Array, _origin: unknown, _doc: Y.Doc, tr: Y.Transaction) => {
        if (tr.local) updateBytes += update.length
      }
      handle.ydoc.on('update', onUpdate)
      let failures = 0
      const times = new WriterTimes(input.edits.length)
      const firstPeer = input.receivers[0]?.node.id
      input.writer.tap.onFrame = (way, frame) => {
        if (way === 'out' && frame.kind === 'updates' && frame.peer === firstPeer) times.frameSent(frame.atMs)
      }
      const text = (doc: Y.Doc) => doc.getText('t')
      try {
        const driven = await drive(input, marks, arrivals, (edit) => {
          const i = times.issued()
          handle
            .change((doc) => applyEdit(text(doc), edit))
            .then(
              () => times.durable(i),
              () => failures++,
            )
        })
        await handle.flush().catch(() => failures++)
        return { edits: input.edits.length, updateBytes, failures, ...times.summary(), ...driven }
      } finally {
        input.writer.tap.onFrame = undefined
        handle.ydoc.off('update', onUpdate)
        for (const stop of unsubscribe) stop()
        for (const tracker of trackers) tracker.stop()
      }
    },
  }
}

/** A y-websocket message carrying one update: messageSync, then y-protocols' writeUpdate. */
export function yWebsocketUpdateMessage(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MESSAGE_SYNC)
  syncProtocol.writeUpdate(encoder, update)
  return encoding.toUint8Array(encoder)
}

/** Applies a y-websocket message as the provider does: sync messages through `readSyncMessage`. */
function applyYWebsocketMessage(doc: Y.Doc, message: Uint8Array, origin: unknown): void {
  const decoder = decoding.createDecoder(message)
  if (decoding.readVarUint(decoder) !== MESSAGE_SYNC) return
  syncProtocol.readSyncMessage(decoder, encoding.createEncoder(), doc, origin)
}

/** y-websocket-style: every update of a plain Y.Doc sent at once as its own message, no batching, no store. */
export async function prepareYWebsocketPhase(input: PhaseInput): Promise<PreparedPhase> {
  const writerId = input.writer.node.id
  const peers = input.receivers.map((r) => r.node.id)
  return {
    async run() {
      const marks = new EditMarks(input.edits)
      const arrivals = input.receivers.map(() => new Arrivals(marks))
      const remoteDocs = input.receivers.map(() => new Y.Doc())
      const trackers = remoteDocs.map((doc) => trackUnits(doc))
      input.receivers.forEach((receiver, j) => {
        receiver.tap.onBenchFrame = (from, frame) => {
          if (from !== writerId) return
          applyYWebsocketMessage(remoteDocs[j] as Y.Doc, frame, from)
          arrivals[j]?.observe(trackers[j]?.units ?? 0, performance.now())
        }
      })
      const writerDoc = new Y.Doc()
      let updateBytes = 0
      let failures = 0
      writerDoc.on('update', (update: Uint8Array) => {
        updateBytes += update.length
        const message = yWebsocketUpdateMessage(update)
        for (const peer of peers) if (!input.writer.tap.sendBench(peer, message)) failures++
      })
      const text = writerDoc.getText('t')
      try {
        const driven = await drive(input, marks, arrivals, (edit) =>
          writerDoc.transact(() => applyEdit(text, edit)),
        )
        const none = { durableMs: new Float64Array(), frameSentMs: new Float64Array() }
        return { edits: input.edits.length, updateBytes, failures, ...none, ...driven }
      } finally {
        for (const receiver of input.receivers) receiver.tap.onBenchFrame = undefined
        for (const tracker of trackers) tracker.stop()
        for (const doc of [writerDoc, ...remoteDocs]) doc.destroy()
      }
    },
  }
}
