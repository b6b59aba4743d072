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
  backend: string
  snapshot?: { bytes: Uint8Array; covers: VersionVector }
  updates: StoredUpdate[]
}

/** A record that failed its checksum or could not be decoded; it was skipped. */
export interface CorruptRecord {
  key: string
  reason: string
}

/** What `open()` found. Intact records load; corrupt ones are listed here. */
export interface OpenReport {
  corrupt: CorruptRecord[]
}

/** Returned by `append`: whether this document's log has grown past the compaction threshold. */
export interface AppendResult {
  compactionDue: boolean
}

export interface Store {
  /** Opens (creating if needed). Rejects with a named error for a non-store path, a lock held elsewhere or an unknown format version. */
  open(): Promise<OpenReport>
  /** Flushes pending writes and closes. */
  close(): Promise<void>
  /**
   * Appends one update to a document's log. Appends issued in the same tick
   * share one atomic batch (group commit); the promise resolves only after
   * that batch is written.
   */
  append(doc: string, backend: string, entry: StoredUpdate): Promise<AppendResult>
  /**
   * Writes `snapshot` and deletes every log entry appended before this call,
   * in one atomic batch. The caller guarantees the snapshot contains them.
   */
  compact(doc: string, snapshot: Uint8Array, covers: VersionVector): Promise<void>
  /** Loads a document, or undefined if the store has none by that name. */
  load(doc: string): Promise<StoredDoc | undefined>
  /** The names of every stored document. */
  docs(): Promise<string[]>
  /** Node metadata (id, key pair, version vector, membership, sync states). */
  getMeta(key: string): Promise<Uint8Array | undefined>
  putMeta(key: string, value: Uint8Array): Promise<void>
}
