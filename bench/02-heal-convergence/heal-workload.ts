/**
 * The work of #2 (convergence after heal): a document preloaded with the B4
 * trace, built once through an isthmus backend and given to every node's
 * store as if it had replicated before the split; and the divergent edits
 * each side types while split, one transaction (Yjs) or change (Automerge)
 * per keystroke, drawn from the seed.
 */
import * as Automerge from '@automerge/automerge'
import type * as Y from 'yjs'
import type { BackendName } from '../../crdt/backend.ts'
import { createBackend } from '../../crdt/index.ts'
import type { DocHandle } from '../../src/docs/doc-handle.ts'
import { seededRandom } from '../../src/env/seeded-random.ts'
import type { Random } from '../../src/env/types.ts'
import { memoryStore } from '../../store/memory-store.ts'
import type { Store, VersionVector } from '../../store/store.ts'
import type { TraceEdit } from '../harness/trace.ts'

/** The replicated document every node holds. */
export const DOC = 'paper'
/** Its one text: a Y.Text in Yjs, a string field (Automerge text) in Automerge. */
export const TEXT = 'text'
/**
 * Trace edits per preload transaction. Automerge's per-change cost grows with
 * the document, so the preload is batched into few changes; Yjs gets the same
 * batches, so both documents carry the same history.
 */
const PRELOAD_BATCH_EDITS = 10_000
/** Longest typing burst at one place before the typist moves the cursor. */
const BURST_EDITS_MAX = 30
/** Share of keystrokes that are a backspace. */
const BACKSPACE_SHARE = 0.1

/** The preloaded document: the bytes every node starts from, and what they cover. */
export interface Preload {
  backend: BackendName
  /** `snapshot()` of the backend that replayed the trace. */
  snapshot: Uint8Array
  /** The dot the preload carries in every node's vector: one change batch of `origin`. */
  origin: string
  /** Text length after the trace (UTF-16 units). */
  length: number
  buildMs: number
}

/** Replays `edits` through a fresh isthmus backend, in batches, and snapshots it. */
export function buildPreload(backend: BackendName, edits: readonly TraceEdit[], origin: string): Preload {
  const startMs = performance.now()
  const random = seededRandom(2).fork(`preload:${backend}`)
  const replica = createBackend(backend, { random })
  let length = 0
  for (let i = 0; i < edits.length; i += PRELOAD_BATCH_EDITS) {
    const batch = edits.slice(i, i + PRELOAD_BATCH_EDITS)
    if (backend === 'yjs') {
      replica.change((doc) => {
        const text = (doc as Y.Doc).getText(TEXT)
        for (const e of batch) {
          if (e.deleteCount > 0) text.delete(e.pos, e.deleteCount)
          if (e.insert !== '') text.insert(e.pos, e.insert)
        }
      })
    } else {
      replica.change((doc) => {
        if (i === 0) (doc as Record<string, unknown>)[TEXT] = ''
        const root = doc as Automerge.Doc<unknown>
        for (const e of batch) Automerge.splice(root, [TEXT], e.pos, e.deleteCount, e.insert)
      })
    }
    for (const e of batch) length += e.insert.length - e.deleteCount
  }
  const snapshot = replica.snapshot()
  replica.destroy()
  return { backend, snapshot, origin, length, buildMs: performance.now() - startMs }
}

/** A store holding the preload as `origin`'s first change batch, as replication would have left it. */
export async function preloadedStore(preload: Preload): Promise<Store> {
  const store = memoryStore()
  await store.open()
  await store.append(DOC, preload.backend, {
    dot: { origin: preload.origin, seq: 1 },
    update: preload.snapshot,
  })
  await store.close()
  return store
}

/** A store holding one side's document as a snapshot covering `vector` (the two-node pair case). */
export async function snapshotStore(
  backend: BackendName,
  snapshot: Uint8Array,
  vector: VersionVector,
): Promise<Store> {
  const store = memoryStore()
  await store.open()
  const [origin = 'n1', seq = 1] = Object.entries(vector)[0] ?? []
  await store.append(DOC, backend, { dot: { origin, seq }, update: snapshot })
  await store.compact(DOC, snapshot, vector)
  await store.close()
  return store
}

/** One keystroke: delete `deleteCount` at `pos`, then insert `insert` there. */
export type Keystroke = TraceEdit

/**
 * A typist on one side: bursts of up to BURST_EDITS_MAX keystrokes at a random
 * place, a tenth of them backspaces. It is the side's only writer while split,
 * so it knows the text's length without reading the document.
 */
export class Typist {
  readonly #random: Random
  #length: number
  #cursor = 0
  #burstLeft = 0

  constructor(random: Random, length: number) {
    this.#random = random
    this.#length = length
  }

  next(): Keystroke {
    const random = this.#random
    if (this.#burstLeft === 0) {
      this.#cursor = Math.floor(random.next() * (this.#length + 1))
      this.#burstLeft = 1 + Math.floor(random.next() * BURST_EDITS_MAX)
    }
    this.#burstLeft--
    if (this.#cursor > 0 && random.next() < BACKSPACE_SHARE) {
      this.#cursor--
      this.#length--
      return { pos: this.#cursor, deleteCount: 1, insert: '' }
    }
    const insert = String.fromCharCode(97 + Math.floor(random.next() * 26))
    const pos = this.#cursor++
    this.#length++
    return { pos, deleteCount: 0, insert }
  }
}

/** Applies one keystroke as one transaction (Yjs) or change (Automerge) through the node's handle. */
export function typeInto(handle: DocHandle<unknown>, backend: BackendName, k: Keystroke): Promise<void> {
  if (backend === 'yjs') {
    return handle.change((doc) => {
      const text = (doc as Y.Doc).getText(TEXT)
      if (k.deleteCount > 0) text.delete(k.pos, k.deleteCount)
      if (k.insert !== '') text.insert(k.pos, k.insert)
    })
  }
  return handle.change((doc) => {
    Automerge.splice(doc as Automerge.Doc<unknown>, [TEXT], k.pos, k.deleteCount, k.insert)
  })
}
