/**
 * The durable store a node keeps its documents and metadata in. It is
 * byte-oriented: it never decodes a CRDT update. createNode takes any Store;
 * `levelStore` (classic-level on disk), `memoryStore` (memory-level) and the
 * simulator's store all implement it and run `runStoreConformance`.
 */

/** A version vector: for each origin node, the highest seq held. */
export type VersionVector = Record<string, number>

/** The identity of one local change batch: its origin node and that node's sequence number. */
export interface Dot {
  origin: string
  seq: number
}

/** One entry of a document's append-only log. */
export interface StoredUpdate {
  dot: Dot
  update: Uint8Array
}

/** What the store holds for one document. Apply the snapshot, then the updates in order. */
export interface StoredDoc {
  name: string
  /** The backend its records name; '' when none is intact to say (every content record damaged). */
  backend: string
  snapshot?: { bytes: Uint8Array; covers: VersionVector }
  updates: StoredUpdate[]
  /**
   * Per origin, the highest seq of any dot ever appended to this document (or
   * covered by its snapshot), written in the same atomic batch as the appends:
   * what the node had made durable, even if a record holding it rotted since.
   * Undefined when the record is missing (a store written before it existed)
   * or damaged.
   */
  highWater?: VersionVector
  /** How many of this document's records failed their checksum or could not be decoded (skipped). */
  damagedRecords: number
}

/** A record that failed its checksum or could not be decoded; it was skipped. */
export interface CorruptRecord {
  key: string
  reason: string
}

/** What `open()` found. Intact records load; corrupt ones are listed here. */
export interface OpenReport {
  corrupt: CorruptRecord[]
  /**
   * Set when `levelStore({ onDamage: 'salvage' })` opened damaged LevelDB
   * files: the damaged files, the LevelDB entries (puts and deletes) and
   * bytes its recovery dropped (entries: at least, exactly when
   * `recordsDroppedExact`), and the folder holding the files as they were.
   */
  salvaged?: {
    files: string[]
    recordsDropped: number
    recordsDroppedExact: boolean
    bytesDropped: number
    evidence: string
    summary: string
  }
}

/**
 * Returned by `append`: whether this document's log has grown past the
 * compaction threshold (compaction-policy.ts), judged once the append is
 * written, so a compaction written meanwhile counts.
 */
export interface AppendResult {
  compactionDue: boolean
}

/**
 * A node's durable store. Lifecycle: `open()` once, use, `close()`; a closed
 * store may be opened again. Calls on a store that is not open reject with
 * `StoreClosedError`; arguments over a named bound reject with
 * `StoreLimitError` and write nothing.
 */
export interface Store {
  /** Opens (creating if needed). Rejects with a named error for a non-store path, a lock held elsewhere or an unknown format version. */
  open(): Promise<OpenReport>
  /** Flushes pending writes and closes. Resolves at once on a store that is not open. */
  close(): Promise<void>
  /**
   * Appends one update, or several in order, to a document's log, together
   * with the document's high-water mark (`StoredDoc.highWater`), in one
   * atomic batch: all of them land or none. Appends issued in the same tick
   * share one batch (group commit); the promise resolves only after that
   * batch is written.
   */
  append(doc: string, backend: string, entries: StoredUpdate | readonly StoredUpdate[]): Promise<AppendResult>
  /**
   * Writes `snapshot` and deletes every log entry appended before this call,
   * in one atomic batch. The caller guarantees the snapshot contains them,
   * and that `covers` claims only dots whose content the snapshot holds.
   * Entries appended after the call stay. Rejects with `StoreInputError` for
   * a document the store holds nothing of (the backend would be unknown).
   */
  compact(doc: string, snapshot: Uint8Array, covers: VersionVector): Promise<void>
  /** Loads a document, or undefined if the store has none by that name. The bytes returned are the caller's own. */
  load(doc: string): Promise<StoredDoc | undefined>
  /** The names of every stored document. */
  docs(): Promise<string[]>
  /** Node metadata (id, key pair, version vector, membership, sync states), as last written by a resolved `putMeta`. */
  getMeta(key: string): Promise<Uint8Array | undefined>
  /** Writes one metadata value; group-committed and ordered with appends, resolves once written. */
  putMeta(key: string, value: Uint8Array): Promise<void>
}
