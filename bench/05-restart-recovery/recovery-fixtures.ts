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
import { type AppendResult, COMPACT_COUNT_DEFAULT, type Store } from '../../store/index.ts'
import { openAutomergeBackend, openLevelStore, openYjsBackend } from '../harness/isthmus.ts'
import { folderBytes, tempFolder } from '../harness/measure.ts'
import type { Trace, TraceEdit } from '../harness/trace.ts'
import { applyEdit } from '../harness/write-paths.ts'

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

/** A document built with the raw library, one edit of the repeated trace at a time. */
interface RawBuilder {
  /** Applies edits until `count` of them are in. */
  advanceTo(count: number): void
  /** The state so far, as bytes (`Y.encodeStateAsUpdate` / `Automerge.save`). */
  bytes(): Uint8Array
}

function rawBuilder(backend: Fixture['backend'], trace: Trace): RawBuilder {
  let done = 0
  if (backend === 'yjs') {
    const doc = new Y.Doc()
    const text = doc.getText('text')
    return {
      advanceTo(count) {
        for (; done < count; done++) doc.transact(() => applyEdit(text, repeatedEdit(trace, done)))
      },
      bytes: () => Y.encodeStateAsUpdate(doc),
    }
  }
  let doc = Automerge.change(Automerge.init<{ text: string }>(), (d) => {
    d.text = ''
  })
  return {
    advanceTo(count) {
      for (; done < count; done++) {
        const edit = repeatedEdit(trace, done)
        doc = Automerge.change(doc, (d) => spliceEdit(d, edit))
      }
    },
    bytes: () => Automerge.save(doc),
  }
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

/**
 * Edits `from`..`to` of the repeated trace through `writer`, each appended to
 * the store (bursts per tick). Returns how many were appended before the
 * first burst in which the store asked for compaction, or null if it never did.
 */
async function writeTail(
  store: Store,
  writer: ReturnType<typeof tailWriter>,
  trace: Trace,
  from: number,
  to: number,
): Promise<number | null> {
  let burst: Promise<AppendResult>[] = []
  let written = 0
  for (let i = from; i < to; i++) {
    const update = writer.change(repeatedEdit(trace, i))
    const dot = { origin: TAIL_ORIGIN, seq: i - from + 1 }
    if (update !== null) burst.push(store.append(RECOVERY_DOC, writer.name, { dot, update }))
    if (burst.length >= TAIL_BURST || i === to - 1) {
      if ((await Promise.all(burst)).some((result) => result.compactionDue)) return written
      written += burst.length
      burst = []
    }
  }
  return null
}

/** Attempts at fitting the tail under the threshold; the second fits unless the trace's edit sizes change abruptly. */
const FIT_ATTEMPTS_MAX = 5

/**
 * Builds the stored document: a snapshot of all but the last edits, and as
 * its log tail the most edits that a store with the default compaction
 * policy holds on top of that snapshot without asking for compaction (to
 * within one burst; at most `COMPACT_COUNT_DEFAULT`). Found by trying: a tail
 * that makes the store ask is cut to what fitted, over a longer prefix.
 */
export async function buildFixture(
  backend: Fixture['backend'],
  trace: Trace,
  reps: number,
): Promise<Fixture> {
  const totalEdits = trace.edits.length * reps
  const raw = rawBuilder(backend, trace)
  let tailEdits = Math.min(COMPACT_COUNT_DEFAULT, totalEdits)
  for (let attempt = 0; attempt < FIT_ATTEMPTS_MAX; attempt++) {
    raw.advanceTo(totalEdits - tailEdits)
    const prefix = raw.bytes()
    const folder = tempFolder(`recovery-${backend}-${reps}x`)
    const writer = tailWriter(backend, prefix)
    const storePath = join(folder.path, 'store')
    const store = await openFixtureStore(storePath, backend, prefix)
    const fitted = await writeTail(store, writer, trace, totalEdits - tailEdits, totalEdits)
    await store.close()
    if (fitted !== null) {
      writer.destroy()
      folder.remove()
      tailEdits = fitted
      continue
    }
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
  throw new Error(`${backend} ${reps}×: no log tail fitted under the compaction threshold`)
}
