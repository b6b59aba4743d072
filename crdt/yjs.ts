/**
 * The Yjs backend: one live Y.Doc behind DocBackend. Updates are Yjs v1
 * updates, snapshots are `Y.encodeStateAsUpdate(doc)`, and sync runs on state
 * vectors (yjs-sync.ts).
 *
 * Every transaction on the Y.Doc is told apart by its origin: LOCAL_ORIGIN
 * for `change`, a RemoteOrigin for bytes from elsewhere (`applyUpdate`,
 * snapshots, sync sessions); anything else is a direct edit by the
 * application and goes to `onLocalUpdate` listeners, so it replicates too.
 */
import * as Y from 'yjs'
import type { Random } from '../src/env/types.ts'
import type { DocBackend, PeerSync } from './backend.ts'
import { canonicalJson } from './canonical.ts'
import { CrdtDecodeError, decodeFailure } from './errors.ts'
import { hex } from './hex.ts'
import { createYjsPeerSync, RemoteOrigin, type YjsSyncHost } from './yjs-sync.ts'
import { checkYjsStore, checkYjsUpdate } from './yjs-update-check.ts'
import { yjsDocValue } from './yjs-value.ts'

/** Options of `createYjsBackend`. */
export interface YjsBackendOptions {
  /** Source of the client id and the doc guid. Yjs's own default would draw from the real crypto source. */
  random: Random
  /** Bytes from `snapshot()` (or any Yjs update) to start from. */
  snapshot?: Uint8Array
}

/** A DocBackend over a Y.Doc. */
export interface YjsBackend extends DocBackend<Y.Doc> {
  readonly name: 'yjs'
  /** The live Y.Doc. Direct edits on it are reported through `onLocalUpdate`. */
  readonly ydoc: Y.Doc
}

/** The origin of transactions run by `change`. */
const LOCAL_ORIGIN = Symbol('isthmus.crdt.local')

/**
 * Redraws of a client id before giving up. A draw fails only on 0 or on an id
 * the document already holds, about 2^-32 each for a seeded or crypto source,
 * so running out means the Random is broken.
 */
const CLIENT_ID_DRAWS_MAX = 32

/** Opens a Yjs replica; throws CrdtDecodeError if `snapshot` cannot be read. */
export function createYjsBackend(options: YjsBackendOptions): YjsBackend {
  return new YjsReplica(options)
}

class YjsReplica implements YjsBackend, YjsSyncHost {
  readonly name = 'yjs'
  readonly #doc: Y.Doc
  readonly #random: Random
  readonly #listeners = new Set<(update: Uint8Array) => void>()
  readonly #applyOrigin = new RemoteOrigin()
  /** The update of the running `change` transaction, handed over by the listener. */
  #captured: Uint8Array | null = null
  #updateCount = 0

  constructor({ random, snapshot }: YjsBackendOptions) {
    this.#random = random
    this.#doc = new Y.Doc({ guid: hex(random.bytes(16)) })
    const heldBack = snapshot === undefined ? new Set<number>() : loadSnapshot(this.#doc, snapshot)
    // Set before any edit, once the snapshot is in so the draw sees every id it
    // holds: a fresh id per backend instance (per process start), never one
    // stored in a snapshot. Reusing one is the classic Yjs bug: two replicas
    // writing different structs under the same (client, clock).
    this.#doc.clientID = this.#drawClientId(heldBack)
    // After the snapshot: with an update listener, Yjs encodes the whole
    // snapshot over again as the update of the transaction that loaded it.
    this.#doc.on('update', this.#onUpdate)
  }

  get ydoc(): Y.Doc {
    return this.#doc
  }

  /** The same Y.Doc as `ydoc`, under the name sync sessions use. */
  get doc(): Y.Doc {
    return this.#doc
  }

  get updateCount(): number {
    return this.#updateCount
  }

  change(fn: (doc: Y.Doc) => void): Uint8Array | null {
    if (this.#doc._transaction !== null)
      throw new Error('yjs backend: change() cannot run inside a transaction')
    this.#captured = null
    try {
      this.#doc.transact(() => fn(this.#doc), LOCAL_ORIGIN)
    } catch (error) {
      // Yjs cannot roll back: edits made before the throw stay in the document.
      // Report them as direct edits so they still replicate, then rethrow.
      const partial = this.#takeCaptured()
      if (partial !== null) this.#emitLocal(partial)
      throw error
    }
    return this.#takeCaptured()
  }

  applyUpdate(update: Uint8Array): boolean {
    return this.#applyChecked([update], this.#applyOrigin) !== null
  }

  applyUpdates(updates: readonly Uint8Array[]): boolean {
    return updates.length > 0 && this.#applyChecked(updates, this.#applyOrigin) !== null
  }

  applyRemote(update: Uint8Array, origin: RemoteOrigin): Uint8Array | null {
    return this.#applyChecked([update], origin)
  }

  /**
   * Checks every update, then applies them all in one transaction with
   * `origin`; returns the update Yjs emitted for it, or null if nothing
   * changed. Each update is decoded twice (check, then Yjs's own apply): the
   * price of refusing bad bytes before any land.
   */
  #applyChecked(updates: readonly Uint8Array[], origin: RemoteOrigin): Uint8Array | null {
    const clients = new Set<number>()
    for (const update of updates) for (const client of checkYjsUpdate(update).clients) clients.add(client)
    // Someone else writes under our id (a 2^-32 draw, or a copied store): take
    // a new one before the update lands. Yjs would otherwise do it itself, from
    // its own unseeded source.
    if (clients.has(this.#doc.clientID)) this.#doc.clientID = this.#drawClientId(clients)
    origin.applied = null
    try {
      // One remote (local = false) transaction for all: Yjs's cleanup (struct
      // merging, observers, the update event) runs once, not once per update,
      // so a 10,000-entry log tail applies in ~25 ms instead of ~120 (warm process).
      Y.transact(
        this.#doc,
        () => {
          for (const update of updates) Y.applyUpdate(this.#doc, update, origin)
        },
        origin,
        false,
      )
    } catch (error) {
      throw decodeFailure('yjs update', error)
    }
    const applied = origin.applied
    origin.applied = null
    return applied
  }

  onLocalUpdate(listener: (update: Uint8Array) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  syncWith(saved?: Uint8Array): PeerSync {
    return createYjsPeerSync(this, saved)
  }

  snapshot(): Uint8Array {
    return Y.encodeStateAsUpdate(this.#doc)
  }

  value(): Record<string, unknown> {
    return yjsDocValue(this.#doc)
  }

  canonical(): string {
    return canonicalJson(this.value())
  }

  get contentVersion(): number {
    return this.#updateCount
  }

  summary(): Uint8Array {
    // An empty document summarizes to no bytes, as Automerge's no heads do (DocBackend.summary).
    if (this.#doc.store.clients.size === 0) return new Uint8Array(0)
    // Both parts are written sorted by client and the delete set merges adjacent
    // ranges, so equal content encodes equally however its structs were split.
    return Y.encodeSnapshot(Y.snapshot(this.#doc))
  }

  hasPending(): boolean {
    return this.#doc.store.pendingStructs !== null || this.#doc.store.pendingDs !== null
  }

  destroy(): void {
    this.#listeners.clear()
    this.#doc.off('update', this.#onUpdate)
    this.#doc.destroy()
  }

  /** The one update listener: routes each transaction's update by its origin. */
  readonly #onUpdate = (update: Uint8Array, origin: unknown): void => {
    this.#updateCount++
    if (origin === LOCAL_ORIGIN) this.#captured = update
    else if (origin instanceof RemoteOrigin) {
      origin.applied = update
      origin.count++
    } else this.#emitLocal(update)
  }

  #emitLocal(update: Uint8Array): void {
    for (const listener of [...this.#listeners]) listener(update)
  }

  #takeCaptured(): Uint8Array | null {
    const update = this.#captured
    this.#captured = null
    return update
  }

  /** A nonzero uint32 that neither the document nor `taken` uses yet. */
  #drawClientId(taken: ReadonlySet<number>): number {
    for (let draw = 0; draw < CLIENT_ID_DRAWS_MAX; draw++) {
      const [a = 0, b = 0, c = 0, d = 0] = this.#random.bytes(4)
      const id = (a | (b << 8) | (c << 16) | (d << 24)) >>> 0
      if (id !== 0 && !taken.has(id) && Y.getState(this.#doc.store, id) === 0) return id
    }
    throw new Error(
      `yjs backend: no fresh client id in ${CLIENT_ID_DRAWS_MAX} draws; is the Random constant?`,
    )
  }
}

/**
 * Loads a snapshot into a fresh Y.Doc; returns the writers of the structs Yjs
 * holds back (see `checkYjsStore`). Unlike a remote update the bytes are not
 * checked before they land, which would decode them a second time (on a 3 MB
 * snapshot: +60-250 ms and +58 MiB, next to ~200 ms for the load itself).
 * Nothing depends on the fresh document yet, so a half-applied snapshot
 * damages nothing: Yjs's own decoder refuses bytes it cannot read, and what
 * it read is checked in place afterwards.
 */
function loadSnapshot(doc: Y.Doc, snapshot: Uint8Array): Set<number> {
  try {
    Y.applyUpdate(doc, snapshot)
    return checkYjsStore(doc)
  } catch (error) {
    doc.destroy()
    throw error instanceof CrdtDecodeError ? error : decodeFailure('yjs snapshot', error)
  }
}
