/**
 * The one Store implementation, over any abstract-level database
 * (classic-level on disk, memory-level in memory).
 *
 * Key layout (keys are ASCII strings; LevelDB sorts them bytewise):
 *
 *   isthmus!format                  format record: magic "isthmus-store" + layout version (STORE_FORMAT_VERSION)
 *   doc!<name>!hw                   the high-water mark: per origin, the highest dot seq ever appended
 *   doc!<name>!log!<seq>            one log entry: backend, dot, update bytes
 *   doc!<name>!snap                 the snapshot: backend, covers vector, compacted-through seq, bytes
 *   meta!<key>                      one metadata value
 *
 * <name> and <key> are escaped by `keys.ts` ([A-Za-z0-9._~-] kept, every
 * other UTF-16 code unit written %XXXX), so no name contains `!` and the
 * records of "a" and "a!log!x" can never mix. <seq> is the store-local
 * sequence number, zero-padded to 16 digits so key order is append order;
 * it is assigned when `append` is called and never reused (the snapshot
 * records the seq it compacted through, so the high-water mark survives a
 * compaction that empties every log).
 *
 * Every value is a record (`record.ts`: version byte, CRC-32, payload) around
 * a payload that starts with its kind (`payload.ts`). There is no separate
 * per-document info record: each log entry and snapshot carries the backend,
 * so any one intact record is enough to load a document.
 *
 * Durability: every write is one atomic `db.batch` (appends and metadata are
 * group-committed, see `group-commit.ts`; a compaction is a batch of its own),
 * so a crash at any point leaves the state before or after each batch, never
 * between. With `sync: false` (the default) a resolved write is in the OS page
 * cache: it survives the process being killed (SIGKILL, OOM) but not a power
 * loss or kernel crash. `sync: true` fsyncs LevelDB's log on every batch,
 * which survives power loss and costs a disk flush per batch (group commit
 * amortises it over everything issued in the same tick).
 */
import { strict as assert } from 'node:assert'
import { type CompactionPolicy, checkCompactionPolicy, compactionDue } from './compaction-policy.ts'
import { openDb, type StoreDb, writeBatch } from './db.ts'
import { StoreClosedError, StoreInputError, StoreLimitError } from './errors.ts'
import { type BatchOp, GroupCommitQueue } from './group-commit.ts'
import { docRange, highWaterKey, logKey, metaKey, parseKey, snapKey } from './keys.ts'
import {
  COMPACT_BYTES_DEFAULT,
  COMPACT_COUNT_DEFAULT,
  COMPACT_SNAPSHOT_RATIO_DEFAULT,
  DOC_NAME_LENGTH_MAX,
  META_KEY_LENGTH_MAX,
  RECORD_PAYLOAD_BYTES_MAX,
} from './limits.ts'
import { checkFormat, type DocIndex, mergeInto, type ScanResult, scanStore } from './open-scan.ts'
import {
  decodeHighWater,
  decodeLogEntry,
  decodeMeta,
  decodeSnapshot,
  encodeHighWater,
  encodeLogEntryRecord,
  encodeMeta,
  encodeSnapshot,
} from './payload.ts'
import { decodeRecord, encodeRecord } from './record.ts'
import type { AppendResult, OpenReport, Store, StoredDoc, StoredUpdate, VersionVector } from './store.ts'

export type { StoreDb } from './db.ts'

/** Options shared by every abstract-level store. */
export interface AbstractLevelStoreOptions {
  /** fsync every batch (survives power loss) instead of leaving it to the OS (survives a process crash). Default false. */
  sync?: boolean
  /**
   * `append` reports `compactionDue` once a document's log holds more bytes
   * than this and than `compactSnapshotRatio` times its snapshot (see
   * compaction-policy.ts). Default `COMPACT_BYTES_DEFAULT`.
   */
  compactBytes?: number
  /** `append` reports `compactionDue` once a document's log holds more entries than this. Default `COMPACT_COUNT_DEFAULT`. */
  compactCount?: number
  /** The log's size relative to the snapshot's past which compaction is due. Default `COMPACT_SNAPSHOT_RATIO_DEFAULT`. */
  compactSnapshotRatio?: number
}

/** Where the database comes from: an instance, or a function that makes one on each `open()`. */
export type StoreDbSource = StoreDb | (() => Promise<StoreDb>)

type StoreState = 'closed' | 'opening' | 'open' | 'closing'

/** The two answers `append` gives, made once: the caller may read them, never change them. */
const DUE: AppendResult = Object.freeze({ compactionDue: true })
const NOT_DUE: AppendResult = Object.freeze({ compactionDue: false })

/**
 * A Store over an abstract-level database created with `keyEncoding: 'utf8'`
 * and `valueEncoding: 'view'`. Pass a function instead of an instance when the
 * database must not be constructed before `open()` (classic-level opens itself
 * on construction). Closing the store closes the database; `open()` reopens it
 * and rebuilds every in-memory index from what is stored.
 */
export function abstractLevelStore(source: StoreDbSource, options: AbstractLevelStoreOptions = {}): Store {
  return new AbstractLevelStore(source, options)
}

class AbstractLevelStore implements Store {
  private readonly source: StoreDbSource
  private readonly sync: boolean
  private readonly compaction: CompactionPolicy
  private state: StoreState = 'closed'
  private db: StoreDb | undefined
  private docIndex = new Map<string, DocIndex>()
  /** The highest local seq handed out; the next append takes the one after. */
  private seq = 0
  private queue: GroupCommitQueue | undefined
  /** Log keys per document whose records open() found damaged: the next compaction deletes them too. */
  private damagedLogKeys = new Map<string, string[]>()

  constructor(source: StoreDbSource, options: AbstractLevelStoreOptions) {
    this.source = source
    this.sync = options.sync ?? false
    this.compaction = {
      bytesMin: options.compactBytes ?? COMPACT_BYTES_DEFAULT,
      countMax: options.compactCount ?? COMPACT_COUNT_DEFAULT,
      snapshotRatio: options.compactSnapshotRatio ?? COMPACT_SNAPSHOT_RATIO_DEFAULT,
    }
    checkCompactionPolicy(this.compaction)
  }

  async open(): Promise<OpenReport> {
    assert(this.state === 'closed', `open() on a store that is ${this.state}`)
    this.state = 'opening'
    try {
      const db = typeof this.source === 'function' ? await this.source() : this.source
      await openDb(db)
      try {
        return this.takeOver(db, await this.scan(db))
      } catch (err) {
        await db.close()
        throw err
      }
    } catch (err) {
      this.state = 'closed'
      throw err
    }
  }

  async close(): Promise<void> {
    if (this.state !== 'open') return
    this.state = 'closing'
    try {
      await this.queue?.idle()
      await this.db?.close()
    } finally {
      this.db = undefined
      this.queue = undefined
      this.state = 'closed'
    }
  }

  async append(
    doc: string,
    backend: string,
    entries: StoredUpdate | readonly StoredUpdate[],
  ): Promise<AppendResult> {
    const queue = this.requireQueue()
    checkName('document name', doc, DOC_NAME_LENGTH_MAX)
    const list: readonly StoredUpdate[] = Array.isArray(entries) ? entries : [entries as StoredUpdate]
    for (const entry of list) checkPayload('update', entry.update)
    const known = this.docIndex.get(doc)
    if (known && known.backend !== backend) {
      throw new StoreInputError(
        `document ${JSON.stringify(doc)} is stored with backend ${known.backend}, not ${backend}`,
      )
    }
    const values = list.map((entry) =>
      encodeLogEntryRecord({ backend, dot: entry.dot, update: entry.update }),
    )
    const index = known ?? { backend, log: [], logBytes: 0, snapshotBytes: 0, highWater: {} }
    this.docIndex.set(doc, index)
    // The seqs are taken now, synchronously, so they order this append against compact() calls.
    const ops: BatchOp[] = []
    const seqs: number[] = []
    let bytes = 0
    list.forEach((entry, i) => {
      const value = values[i] as Uint8Array
      const seq = ++this.seq
      seqs.push(seq)
      index.log.push({ seq, bytes: value.byteLength })
      index.logBytes += value.byteLength
      if (entry.dot.seq > 0) mergeInto(index.highWater, { [entry.dot.origin]: entry.dot.seq })
      ops.push({ type: 'put', key: logKey(doc, seq), value })
      bytes += value.byteLength
    })
    // In the same batch as the entries: the mark never speaks for a dot whose batch did not land,
    // and never lags one that did. One per document per batch: the last append's copy wins.
    const mark = { ...index.highWater }
    const keyed = { key: highWaterKey(doc), value: () => encodeRecord(encodeHighWater(mark)) }
    try {
      await queue.add(ops, bytes, keyed)
    } catch (err) {
      for (const seq of seqs) this.forgetLogEntry(doc, seq)
      throw err
    }
    // Judged once written, not when called: a compaction written meanwhile has
    // emptied the log, and a verdict from before it would start another at once.
    const size = { entries: index.log.length, bytes: index.logBytes, snapshotBytes: index.snapshotBytes }
    return compactionDue(size, this.compaction) ? DUE : NOT_DUE
  }

  async compact(doc: string, snapshot: Uint8Array, covers: VersionVector): Promise<void> {
    const queue = this.requireQueue()
    checkName('document name', doc, DOC_NAME_LENGTH_MAX)
    checkPayload('snapshot', snapshot)
    const known = this.docIndex.get(doc)
    if (!known)
      throw new StoreInputError(`compact: no document named ${JSON.stringify(doc)} (append to it first)`)
    const throughSeq = this.seq
    const payload = { backend: known.backend, compactedThroughSeq: throughSeq, covers, bytes: snapshot }
    const value = encodeRecord(encodeSnapshot(payload))
    // The index lists every entry appended before this call (written, or in a
    // batch ahead of this one on the chain), so the batch is known without
    // reading the database, and appends issued meanwhile wait for nothing but
    // its write. Damaged entries found on open go with them.
    const ops: BatchOp[] = known.log.map((logged) => ({ type: 'del', key: logKey(doc, logged.seq) }))
    for (const key of this.damagedLogKeys.get(doc) ?? []) ops.push({ type: 'del', key })
    ops.push({ type: 'put', key: snapKey(doc), value })
    mergeInto(known.highWater, covers)
    const mark = encodeRecord(encodeHighWater(known.highWater))
    ops.push({ type: 'put', key: highWaterKey(doc), value: mark })
    await queue.addAlone(ops, value.byteLength)
    this.damagedLogKeys.delete(doc)
    const index = this.docIndex.get(doc) ?? known
    index.log = index.log.filter((logged) => logged.seq > throughSeq)
    index.logBytes = index.log.reduce((sum, logged) => sum + logged.bytes, 0)
    index.snapshotBytes = value.byteLength
    this.docIndex.set(doc, index)
  }

  async load(doc: string): Promise<StoredDoc | undefined> {
    const db = this.requireOpen()
    checkName('document name', doc, DOC_NAME_LENGTH_MAX)
    // One iterator reads one consistent snapshot: a concurrent compaction is seen wholly or not at all.
    return assembleDoc(doc, await db.iterator(docRange(doc)).all())
  }

  /** Lists documents from the index, so a document whose first append is still being written is listed already. */
  async docs(): Promise<string[]> {
    this.requireOpen()
    return [...this.docIndex.keys()].sort()
  }

  async getMeta(key: string): Promise<Uint8Array | undefined> {
    const db = this.requireOpen()
    checkName('metadata key', key, META_KEY_LENGTH_MAX)
    const value = await db.get(metaKey(key))
    if (value === undefined) return undefined
    const record = decodeRecord(value)
    if (!record.ok) return undefined
    const decoded = decodeMeta(record.payload)
    return decoded.ok ? decoded.value.slice() : undefined
  }

  /** Group-committed with appends: ordered with them, and resolves once its batch is written. */
  async putMeta(key: string, value: Uint8Array): Promise<void> {
    const queue = this.requireQueue()
    checkName('metadata key', key, META_KEY_LENGTH_MAX)
    checkPayload('metadata value', value)
    const record = encodeRecord(encodeMeta(value))
    await queue.add([{ type: 'put', key: metaKey(key), value: record }], record.byteLength)
  }

  private async scan(db: StoreDb): Promise<ScanResult> {
    const damagedFormat = await checkFormat(db, this.sync)
    const scan = await scanStore(db)
    if (damagedFormat) scan.corrupt.unshift(damagedFormat)
    return scan
  }

  /** Takes over a scanned database: the index, the seq high-water mark, a fresh write chain. */
  private takeOver(db: StoreDb, scan: ScanResult): OpenReport {
    this.db = db
    this.docIndex = scan.docs
    this.seq = scan.seqHighWater
    this.damagedLogKeys = new Map()
    for (const { key } of scan.corrupt) {
      const parsed = parseKey(key)
      if (parsed?.kind !== 'log') continue
      const keys = this.damagedLogKeys.get(parsed.doc) ?? []
      keys.push(key)
      this.damagedLogKeys.set(parsed.doc, keys)
    }
    this.queue = new GroupCommitQueue((ops) => writeBatch(db, ops, this.sync))
    this.state = 'open'
    return { corrupt: scan.corrupt }
  }

  /** Undoes the index entry of an append whose batch failed. */
  private forgetLogEntry(doc: string, seq: number): void {
    const index = this.docIndex.get(doc)
    if (!index) return
    const at = index.log.findIndex((logged) => logged.seq === seq)
    if (at >= 0) index.logBytes -= index.log.splice(at, 1)[0]?.bytes ?? 0
    if (index.log.length === 0 && index.snapshotBytes === 0) this.docIndex.delete(doc)
  }

  private requireOpen(): StoreDb {
    if (this.state !== 'open' || !this.db) throw new StoreClosedError(`the store is ${this.state}`)
    return this.db
  }

  private requireQueue(): GroupCommitQueue {
    this.requireOpen()
    return this.queue as GroupCommitQueue
  }
}

/**
 * Builds a StoredDoc from the records of one document (log entries in seq
 * order, then the snapshot). Damaged records were reported by open() and are
 * skipped here the same way. Returned bytes are copies: memory-level hands
 * out its stored buffers, which callers must not be able to change.
 */
function assembleDoc(name: string, entries: Array<[string, Uint8Array]>): StoredDoc | undefined {
  let backend: string | undefined
  let snapshot: StoredDoc['snapshot']
  let highWater: VersionVector | undefined
  let damagedRecords = 0
  const updates: StoredUpdate[] = []
  for (const [key, value] of entries) {
    const kind = parseKey(key)?.kind
    const record = decodeRecord(value)
    if (!record.ok) {
      damagedRecords++
      continue
    }
    if (kind === 'log') {
      const decoded = decodeLogEntry(record.payload)
      if (!decoded.ok) {
        damagedRecords++
        continue
      }
      backend ??= decoded.value.backend
      updates.push({ dot: decoded.value.dot, update: decoded.value.update.slice() })
    } else if (kind === 'snap') {
      const decoded = decodeSnapshot(record.payload)
      if (!decoded.ok) {
        damagedRecords++
        continue
      }
      backend = decoded.value.backend
      snapshot = { bytes: decoded.value.bytes.slice(), covers: decoded.value.covers }
    } else if (kind === 'hw') {
      const decoded = decodeHighWater(record.payload)
      if (decoded.ok) highWater = decoded.value
      else damagedRecords++
    } else {
      damagedRecords++
    }
  }
  // A document whose every content record rotted is still a document: its damage and its high-water
  // mark must reach the caller, or its own dots would be issued again from 1 (seed 171).
  if (backend === undefined && damagedRecords === 0 && highWater === undefined) return undefined
  return {
    name,
    backend: backend ?? '',
    ...(snapshot ? { snapshot } : {}),
    updates,
    ...(highWater ? { highWater } : {}),
    damagedRecords,
  }
}

function checkName(what: string, name: string, lengthMax: number): void {
  assert(typeof name === 'string', `${what} must be a string`)
  if (name.length > lengthMax) throw new StoreLimitError(`${what} length`, lengthMax, name.length)
}

function checkPayload(what: string, bytes: Uint8Array): void {
  assert(bytes instanceof Uint8Array, `${what} must be a Uint8Array`)
  if (bytes.byteLength > RECORD_PAYLOAD_BYTES_MAX) {
    throw new StoreLimitError(`${what} bytes`, RECORD_PAYLOAD_BYTES_MAX, bytes.byteLength)
  }
}
