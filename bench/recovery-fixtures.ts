/**
 * The stored documents #5 recovers. A document holding the B4 trace `reps`
 * times in one document (replay k appends the trace's text after the k
 * texts before it: 10× is 2.6M edits and 1.05M characters), stored as
 * a snapshot of all but the last `tailEdits` edits plus those edits as the
 * log tail, each an update made by the backend that had loaded the snapshot
 * (a node that restarted and kept writing). Also the floor's bytes: the
 * whole final state as one Yjs update / one Automerge save.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import * as Automerge from '@automerge/automerge'
import * as Y from 'yjs'
import type { Store } from '../store/index.ts'
import { openAutomergeBackend, openLevelStore, openYjsBackend } from './isthmus.ts'
import { folderBytes, tempFolder } from './measure.ts'
import type { Trace, TraceEdit } from './trace.ts'
import { applyEdit } from './write-paths.ts'

export const RECOVERY_DOC = 'b4'
/** The origin the snapshot's writer had; the tail comes from `bench-node`. */
const PREFIX_ORIGIN = 'bench-before-restart'
const TAIL_ORIGIN = 'bench-node'
/** Appends issued per tick while writing the tail (group commit batches them). */
const TAIL_BURST = 100

export interface Fixture {
  backend: 'yjs' | 'automerge'
  reps: number
  /** The floor's input: the final state, as one update (Yjs) or one save (Automerge). */
  floorPath: string
  floorBytes: number
  /** The levelStore folder. */
  storePath: string
  storeFolderBytes: number
  snapshotBytes: number
  tailEdits: number
  /** Characters in the final text. */
  chars: number
  remove: () => void
}

/** Edit `i` of `reps` back-to-back replays of the trace, shifted past the earlier replays' text. */
function repeatedEdit(trace: Trace, i: number): TraceEdit {
  const n = trace.edits.length
  const edit = trace.edits[i % n] as TraceEdit
  const offset = Math.floor(i / n) * trace.endContent.length
  return offset === 0 ? edit : { ...edit, pos: edit.pos + offset }
}

function spliceEdit(doc: Automerge.Doc<unknown>, edit: TraceEdit): void {
  Automerge.splice(doc, ['text'], edit.pos, edit.deleteCount, edit.insert)
}

/** The state after the first `count` edits, built with the raw library, as bytes. */
function rawPrefixBytes(backend: Fixture['backend'], trace: Trace, count: number): Uint8Array {
  if (backend === 'yjs') {
    const doc = new Y.Doc()
    const text = doc.getText('text')
    for (let i = 0; i < count; i++) doc.transact(() => applyEdit(text, repeatedEdit(trace, i)))
    return Y.encodeStateAsUpdate(doc)
  }
  let doc = Automerge.change(Automerge.init<{ text: string }>(), (d) => {
    d.text = ''
  })
  for (let i = 0; i < count; i++) doc = Automerge.change(doc, (d) => spliceEdit(d, repeatedEdit(trace, i)))
  return Automerge.save(doc)
}

/** The restarted node's backend, loaded from the prefix snapshot, that writes the tail. */
function tailWriter(backend: Fixture['backend'], prefix: Uint8Array) {
  if (backend === 'yjs') {
    const live = openYjsBackend(prefix)
    const change = (edit: TraceEdit) => live.change((d) => applyEdit(d.getText('text'), edit))
    return { name: live.name, change, snapshot: () => live.snapshot(), destroy: () => live.destroy() }
  }
  const live = openAutomergeBackend(prefix)
  const change = (edit: TraceEdit) => live.change((d) => spliceEdit(d, edit))
  return { name: live.name, change, snapshot: () => live.snapshot(), destroy: () => live.destroy() }
}

/** Writes the prefix as the store's snapshot (append, then compact it away) and returns the open store. */
async function openFixtureStore(path: string, backend: string, prefix: Uint8Array): Promise<Store> {
  const store = openLevelStore(path)
  await store.open()
  await store.append(RECOVERY_DOC, backend, { dot: { origin: PREFIX_ORIGIN, seq: 1 }, update: prefix })
  await store.compact(RECOVERY_DOC, prefix, { [PREFIX_ORIGIN]: 1 })
  return store
}

/** Edits `from`..`to` of the repeated trace through `writer`, each appended to the store (bursts per tick). */
async function writeTail(
  store: Store,
  writer: ReturnType<typeof tailWriter>,
  trace: Trace,
  from: number,
  to: number,
) {
  let burst: Promise<unknown>[] = []
  for (let i = from; i < to; i++) {
    const update = writer.change(repeatedEdit(trace, i))
    const dot = { origin: TAIL_ORIGIN, seq: i - from + 1 }
    if (update !== null) burst.push(store.append(RECOVERY_DOC, writer.name, { dot, update }))
    if (burst.length >= TAIL_BURST) {
      await Promise.all(burst)
      burst = []
    }
  }
  await Promise.all(burst)
}

export async function buildFixture(
  backend: Fixture['backend'],
  trace: Trace,
  reps: number,
  tailEdits: number,
): Promise<Fixture> {
  const folder = tempFolder(`recovery-${backend}-${reps}x`)
  const totalEdits = trace.edits.length * reps
  const prefix = rawPrefixBytes(backend, trace, totalEdits - tailEdits)
  const writer = tailWriter(backend, prefix)
  const storePath = join(folder.path, 'store')
  const store = await openFixtureStore(storePath, backend, prefix)
  await writeTail(store, writer, trace, totalEdits - tailEdits, totalEdits)
  await store.close()
  const floorPath = join(folder.path, 'floor.bin')
  const floor = writer.snapshot()
  writer.destroy()
  writeFileSync(floorPath, floor)
  return {
    backend,
    reps,
    floorPath,
    floorBytes: floor.byteLength,
    storePath,
    storeFolderBytes: folderBytes(storePath),
    snapshotBytes: prefix.byteLength,
    tailEdits,
    chars: trace.endContent.length * reps,
    remove: folder.remove,
  }
}
