/**
 * The write paths #1 compares, each run over the same edits on a fresh
 * LevelDB folder: the isthmus path (backend.change → store.append, compaction
 * as it triggers), y-leveldb's storeUpdate per edit, and raw in-memory
 * Yjs / Automerge with no persistence.
 */
import * as Automerge from '@automerge/automerge'
import { LeveldbPersistence } from 'y-leveldb'
import * as Y from 'yjs'
import type { DocBackend } from '../../crdt/index.ts'
import type { AppendResult, Store } from '../../store/index.ts'
import { openAutomergeBackend, openLevelStore, openYjsBackend } from './isthmus.ts'
import { folderBytes, processWrittenBytes, tempFolder, writtenBytesSince } from './measure.ts'
import type { TraceEdit } from './trace.ts'
import { type DriveResult, driveWrites, type WriteMode } from './write-driver.ts'

const DOC_NAME = 'bench-doc'
const ORIGIN = 'bench-node'
/** Distinct keys the Automerge map sets cycle through (each key is overwritten count / 1000 times). */
const AUTOMERGE_KEYS = 1000

export interface WriteRun {
  drive: DriveResult
  /** Sum of the CRDT updates' own sizes (the floor for bytes written). */
  payloadBytes: number
  /** Bytes passed to write(2) during the run (WAL, tables, LevelDB compactions), or null without /proc. */
  writtenBytes: number | null
  /** The LevelDB folder's size after close. */
  folderBytes: number
  compactions: number
  /** Time spent taking snapshots for compaction (synchronous, blocks the writer). */
  snapshotMs: number
}

export function applyEdit(text: Y.Text, edit: TraceEdit): void {
  if (edit.deleteCount > 0) text.delete(edit.pos, edit.deleteCount)
  if (edit.insert.length > 0) text.insert(edit.pos, edit.insert)
}

/** Raw Yjs in memory, one transaction per edit: the ceiling. Returns elapsed ms. */
export function runRawYjs(edits: readonly TraceEdit[]): number {
  const doc = new Y.Doc()
  const text = doc.getText('text')
  const startMs = performance.now()
  for (const edit of edits) doc.transact(() => applyEdit(text, edit))
  const elapsedMs = performance.now() - startMs
  doc.destroy()
  return elapsedMs
}

/** Raw Automerge in memory, one change per map set: the ceiling. Returns elapsed ms. */
export function runRawAutomerge(count: number): number {
  let doc = Automerge.init<Record<string, number>>()
  const startMs = performance.now()
  for (let i = 0; i < count; i++) {
    doc = Automerge.change(doc, (d) => {
      d[`key${i % AUTOMERGE_KEYS}`] = i
    })
  }
  return performance.now() - startMs
}

/** What the write path needs of a backend besides `change`. */
type WrittenBackend = Pick<DocBackend, 'name' | 'snapshot' | 'destroy'>

/** Compacts when an append says it is due, one compaction at a time, as a node would. */
class Compactor {
  readonly #store: Store
  readonly #backend: WrittenBackend
  #running: Promise<void> | null = null
  count = 0
  snapshotMs = 0

  constructor(store: Store, backend: WrittenBackend) {
    this.#store = store
    this.#backend = backend
  }

  onAppended(result: AppendResult, seq: number): void {
    if (result.compactionDue && this.#running === null) {
      this.#running = this.#compact(seq).finally(() => {
        this.#running = null
      })
    }
  }

  async #compact(seq: number): Promise<void> {
    const startMs = performance.now()
    const snapshot = this.#backend.snapshot()
    this.snapshotMs += performance.now() - startMs
    // The snapshot holds every change made so far, so it covers at least `seq`.
    await this.#store.compact(DOC_NAME, snapshot, { [ORIGIN]: seq })
    this.count += 1
  }

  idle(): Promise<void> {
    return this.#running ?? Promise.resolve()
  }
}

/** Runs `count` changes of `backend` through a fresh levelStore. `change(i)` returns the update. */
async function runIsthmus(
  backend: WrittenBackend,
  count: number,
  mode: WriteMode,
  change: (i: number) => Uint8Array | null,
): Promise<WriteRun> {
  const folder = tempFolder(`isthmus-${backend.name}`)
  const store = openLevelStore(folder.path)
  await store.open()
  const compactor = new Compactor(store, backend)
  let seq = 0
  let payloadBytes = 0
  const writtenBeforeBytes = processWrittenBytes()
  const issue = (i: number): Promise<unknown> => {
    const update = change(i)
    if (update === null) return Promise.resolve()
    payloadBytes += update.byteLength
    const dot = { origin: ORIGIN, seq: ++seq }
    return store.append(DOC_NAME, backend.name, { dot, update }).then((r) => compactor.onAppended(r, dot.seq))
  }
  const drive = await driveWrites(count, mode, issue, () => compactor.idle())
  await store.close()
  const writtenBytes = writtenBytesSince(writtenBeforeBytes)
  const run = {
    drive,
    payloadBytes,
    writtenBytes,
    folderBytes: folderBytes(folder.path),
    compactions: compactor.count,
    snapshotMs: compactor.snapshotMs,
  }
  backend.destroy()
  folder.remove()
  return run
}

/** The trace through `createYjsBackend` + `levelStore`, one transaction per edit. */
export function runIsthmusYjs(edits: readonly TraceEdit[], mode: WriteMode): Promise<WriteRun> {
  const backend = openYjsBackend()
  const change = (i: number): Uint8Array | null =>
    backend.change((doc) => applyEdit(doc.getText('text'), edits[i] as TraceEdit))
  return runIsthmus(backend, edits.length, mode, change)
}

/** `count` map sets through `createAutomergeBackend` + `levelStore`, one change per set. */
export function runIsthmusAutomerge(count: number, mode: WriteMode): Promise<WriteRun> {
  const backend = openAutomergeBackend()
  const change = (i: number): Uint8Array | null =>
    backend.change((d) => {
      // The backend types `d` as a read-only Automerge.Doc; it is the mutable proxy.
      ;(d as Record<string, number>)[`key${i % AUTOMERGE_KEYS}`] = i
    })
  return runIsthmus(backend, count, mode, change)
}

/** The trace into a Y.Doc whose every update goes to y-leveldb's `storeUpdate`, as its users wire it. */
export async function runYLeveldb(edits: readonly TraceEdit[], mode: WriteMode): Promise<WriteRun> {
  const folder = tempFolder('y-leveldb')
  const persistence = new LeveldbPersistence(folder.path)
  const doc = new Y.Doc()
  const text = doc.getText('text')
  let lastUpdate: Uint8Array | null = null
  doc.on('update', (update: Uint8Array) => {
    lastUpdate = update
  })
  let payloadBytes = 0
  const writtenBeforeBytes = processWrittenBytes()
  const issue = (i: number): Promise<unknown> => {
    lastUpdate = null
    doc.transact(() => applyEdit(text, edits[i] as TraceEdit))
    const update = lastUpdate as Uint8Array | null
    if (update === null) return Promise.resolve()
    payloadBytes += update.byteLength
    return persistence.storeUpdate(DOC_NAME, update)
  }
  const drive = await driveWrites(edits.length, mode, issue)
  await persistence.destroy()
  const writtenBytes = writtenBytesSince(writtenBeforeBytes)
  const run = {
    drive,
    payloadBytes,
    writtenBytes,
    folderBytes: folderBytes(folder.path),
    compactions: 0,
    snapshotMs: 0,
  }
  doc.destroy()
  folder.remove()
  return run
}
