/**
 * One interface over the two CRDT libraries. A backend wraps one live
 * document replica; everything it emits or takes is bytes in the library's
 * own format (Yjs updates and state vectors, Automerge changes and sync
 * messages), so the replication layer never looks inside a document.
 */

export type BackendName = 'yjs' | 'automerge'

/**
 * The sync conversation with one peer about one document, built on the
 * library's own protocol (Yjs state vectors + `encodeStateAsUpdate(doc, sv)`;
 * Automerge `generateSyncMessage` / `receiveSyncMessage`). Both sides call
 * `generate()` until it returns null; then they hold the same state.
 */
export interface PeerSync {
  /** The next message for the peer, or null when there is nothing to say. */
  generate(): Uint8Array | null
  /**
   * Takes a message from the peer. Returns the update it applied (persist it),
   * or null if nothing changed. Throws CrdtDecodeError, changing nothing, on
   * bytes it cannot read.
   */
  receive(message: Uint8Array): Uint8Array | null
  /**
   * True if, after the last `receive`, this replica holds everything the peer
   * held when it generated that message (so the peer's version vector at that
   * time is now held here too). False before any message.
   */
  readonly caughtUp: boolean
  /** Bytes to persist so a reconnect resumes instead of starting over (Automerge SyncState). */
  save(): Uint8Array
}

/** What one received sync message did: `receive`'s result together with `caughtUp`. */
export interface SyncReceipt {
  /** The update the message applied, or null if nothing changed. */
  update: Uint8Array | null
  /** See `PeerSync.caughtUp`. */
  caughtUp: boolean
}

/** A live replica of one document. `D` is the library's document type. */
export interface DocBackend<D = unknown> {
  readonly name: BackendName
  /** Runs `fn` as one local transaction; returns its encoded update, or null if nothing changed. */
  change(fn: (doc: D) => void): Uint8Array | null
  /**
   * Applies a remote update. Idempotent, any order: updates that are not yet
   * causally ready are buffered by the library until they are.
   * Returns true if the document changed. Throws CrdtDecodeError, leaving the
   * document's value unchanged, on bytes it cannot read.
   */
  applyUpdate(update: Uint8Array): boolean
  /**
   * Applies several remote updates as one step: the same document as
   * `applyUpdate` on each in order, for the cost of one library call (Yjs: one
   * transaction; Automerge: one `applyChanges`), where a call costs far more
   * than an update (Automerge's grows with the document). For a stored log
   * tail and a frame's entries. Returns true if the document changed. Throws
   * CrdtDecodeError, leaving the document's value unchanged, if any update
   * cannot be read: `applyUpdatesIsolating` then retries in parts, so that
   * one bad update does not cost the readable ones.
   */
  applyUpdates(updates: readonly Uint8Array[]): boolean
  /** Listens for local edits made outside `change` (direct edits on a Y.Doc). */
  onLocalUpdate(listener: (update: Uint8Array) => void): () => void
  /** A sync session with one peer, resumed from `saved` when given. */
  syncWith(saved?: Uint8Array): PeerSync
  /** The whole document as bytes (`Y.encodeStateAsUpdate` / `Automerge.save`). */
  snapshot(): Uint8Array
  /** Plain JSON of the current state. */
  value(): unknown
  /** `value()` as canonical JSON (sorted keys), so replicas compare byte for byte. */
  canonical(): string
  /** Frees library resources. */
  destroy(): void
  /**
   * Whether some received update is held back by the library because its
   * dependencies have not arrived (Yjs pending structs or delete sets,
   * Automerge's queue of changes with missing deps). While true, the replica
   * holds bytes it has not integrated, so it must not vouch for them.
   */
  hasPending(): boolean
  /**
   * Moves (never back) whenever the document's content may have changed: a
   * key for caching what is derived from it, such as a hash of `summary()`.
   */
  readonly contentVersion: number
  /**
   * The library's own summary of what this replica holds, for anti-entropy:
   * Yjs, its state vector and delete set (`Y.encodeSnapshot(Y.snapshot(doc))`,
   * since deletions do not advance a state vector); Automerge, its heads,
   * sorted. Replicas holding the same content give the same bytes, whatever
   * order they received it in; different content gives different bytes. An
   * empty document gives zero bytes.
   */
  summary(): Uint8Array
}
