/**
 * What `open()` does before a store takes writes: check the format record,
 * then read every record once, verify its checksum and decode it, and build
 * the in-memory index (documents, their backends and log sizes, the local seq
 * high-water mark). Damaged records are listed, never fatal.
 */
import { type StoreDb, writeBatch } from './db.ts'
import { StoreFormatError, StoreNotAStoreError } from './errors.ts'
import { FORMAT_KEY, type ParsedKey, parseKey } from './keys.ts'
import {
  type Decoded,
  decodeFormat,
  decodeHighWater,
  decodeLogEntry,
  decodeMeta,
  decodeSnapshot,
  encodeFormat,
  STORE_FORMAT_VERSION,
  STORE_FORMAT_VERSIONS_READABLE,
} from './payload.ts'
import { decodeRecord, encodeRecord } from './record.ts'
import type { CorruptRecord, VersionVector } from './store.ts'

/** One log entry as the index knows it: enough to decide when compaction is due. */
export interface IndexedLogEntry {
  seq: number
  bytes: number
}

/** What the store keeps in memory about one document. */
export interface DocIndex {
  backend: string
  /** Live log entries in seq order, including ones whose batch is not yet written. */
  log: IndexedLogEntry[]
  logBytes: number
  /** The stored snapshot record's bytes (what compaction is measured against), 0 without one. */
  snapshotBytes: number
  /**
   * Per origin, the highest seq appended (issued, so a failed batch may have
   * raised it: it over-states, never under-states, which is what keeps a
   * node's own seqs from being issued twice). Written with every append.
   */
  highWater: VersionVector
}

/** The result of scanning a store on open. */
export interface ScanResult {
  docs: Map<string, DocIndex>
  /** The highest local seq ever used: in a log key, or compacted into a snapshot. */
  seqHighWater: number
  corrupt: CorruptRecord[]
}

/**
 * Checks the format record. An empty database becomes a store (the format
 * record is written); a database with data and no format record is someone
 * else's; an unknown version is refused. In both refusals nothing is written.
 * Returns the format record itself if it is damaged, so it can be reported.
 */
export async function checkFormat(db: StoreDb, sync: boolean): Promise<CorruptRecord | undefined> {
  const value = await db.get(FORMAT_KEY)
  if (value === undefined) {
    const anyKey = await db.keys({ limit: 1 }).all()
    if (anyKey.length > 0)
      throw new StoreNotAStoreError('the database holds data but no isthmus format record')
    const formatRecord = encodeRecord(encodeFormat(STORE_FORMAT_VERSION))
    await writeBatch(db, [{ type: 'put', key: FORMAT_KEY, value: formatRecord }], sync)
    return undefined
  }
  const record = decodeRecord(value)
  if (!record.ok) {
    // A version byte we do not know may be a newer release's envelope: refuse rather than skip.
    if (record.unknownVersion !== undefined) throw new StoreFormatError(`format record: ${record.reason}`)
    return { key: FORMAT_KEY, reason: record.reason }
  }
  const format = decodeFormat(record.payload)
  if (!format.ok) throw new StoreFormatError(`unreadable format record: ${format.reason}`)
  if (!STORE_FORMAT_VERSIONS_READABLE.includes(format.value)) {
    throw new StoreFormatError(
      `store format version ${format.value}; this release reads versions ${STORE_FORMAT_VERSIONS_READABLE.join(', ')}`,
    )
  }
  if (format.value !== STORE_FORMAT_VERSION) {
    // An older layout this release reads as it is; from now on it holds records only this release knows.
    const formatRecord = encodeRecord(encodeFormat(STORE_FORMAT_VERSION))
    await writeBatch(db, [{ type: 'put', key: FORMAT_KEY, value: formatRecord }], sync)
  }
  return undefined
}

/**
 * Records read per step of the scan: `for await` over the iterator costs a
 * promise per record (half the scan's time on a 6,000-entry log); steps of
 * this many keep the promises few and the memory held bounded.
 */
const SCAN_STEP_RECORDS = 1024

/** Reads every record once and builds the index. */
export async function scanStore(db: StoreDb): Promise<ScanResult> {
  const result: ScanResult = { docs: new Map(), seqHighWater: 0, corrupt: [] }
  const iterator = db.iterator()
  try {
    for (;;) {
      const entries = await iterator.nextv(SCAN_STEP_RECORDS)
      if (entries.length === 0) break
      for (const [key, value] of entries) scanRecord(result, key, value)
    }
  } finally {
    await iterator.close()
  }
  // A high-water record whose log and snapshot are all gone (damaged) names no backend: nothing to load.
  for (const [name, doc] of result.docs) if (doc.backend === '') result.docs.delete(name)
  return result
}

function scanRecord(result: ScanResult, key: string, value: Uint8Array): void {
  const parsed = parseKey(key)
  if (parsed === undefined) {
    result.corrupt.push({ key, reason: 'unrecognised key' })
  } else if (parsed.kind !== 'format') {
    const reason = indexRecord(result, parsed, value)
    if (reason !== undefined) result.corrupt.push({ key, reason })
  }
}

/** Adds one record to the index; returns why it is corrupt, if it is. */
function indexRecord(result: ScanResult, parsed: Exclude<ParsedKey, { kind: 'format' }>, value: Uint8Array) {
  // The key alone proves the seq was used, even if the value is damaged.
  if (parsed.kind === 'log') result.seqHighWater = Math.max(result.seqHighWater, parsed.seq)
  const record = decodeRecord(value)
  if (!record.ok) return record.reason
  if (parsed.kind === 'meta') return reasonOf(decodeMeta(record.payload))
  if (parsed.kind === 'hw') {
    const highWater = decodeHighWater(record.payload)
    if (!highWater.ok) return highWater.reason
    const doc = result.docs.get(parsed.doc)
    // Keys sort the high-water record before the log and snapshot, so the document may not be indexed yet.
    const pending = doc ?? pendingHighWater(result, parsed.doc)
    mergeInto(pending.highWater, highWater.value)
    return undefined
  }
  if (parsed.kind === 'log') {
    const entry = decodeLogEntry(record.payload)
    if (!entry.ok) return entry.reason
    const doc = docIndex(result.docs, parsed.doc, entry.value.backend)
    const { origin, seq } = entry.value.dot
    if (seq > 0) mergeInto(doc.highWater, { [origin]: seq })
    doc.log.push({ seq: parsed.seq, bytes: value.byteLength })
    doc.logBytes += value.byteLength
    return undefined
  }
  const snapshot = decodeSnapshot(record.payload)
  if (!snapshot.ok) return snapshot.reason
  // Keys sort the log before the snapshot, so the snapshot's backend wins if they ever disagree.
  const doc = docIndex(result.docs, parsed.doc, snapshot.value.backend)
  doc.backend = snapshot.value.backend
  doc.snapshotBytes = value.byteLength
  result.seqHighWater = Math.max(result.seqHighWater, snapshot.value.compactedThroughSeq)
  mergeInto(doc.highWater, snapshot.value.covers)
  return undefined
}

function docIndex(docs: Map<string, DocIndex>, name: string, backend: string): DocIndex {
  let doc = docs.get(name)
  if (!doc) {
    doc = { backend, log: [], logBytes: 0, snapshotBytes: 0, highWater: {} }
    docs.set(name, doc)
  } else if (doc.backend === '') {
    doc.backend = backend
  }
  return doc
}

/** A document known so far only by its high-water record: indexed with no backend until a log entry or snapshot names it. */
function pendingHighWater(result: ScanResult, name: string): DocIndex {
  return docIndex(result.docs, name, '')
}

export function mergeInto(into: VersionVector, from: VersionVector): void {
  for (const [origin, seq] of Object.entries(from)) {
    if (seq > (into[origin] ?? 0))
      Object.defineProperty(into, origin, {
        value: seq,
        enumerable: true,
        writable: true,
        configurable: true,
      })
  }
}

function reasonOf(decoded: Decoded<unknown>): string | undefined {
  return decoded.ok ? undefined : decoded.reason
}
