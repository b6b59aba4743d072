/**
 * The payloads inside records (see `record.ts` for the envelope), on lib0's
 * encoding (the codec the wire uses too). Each starts with a kind byte, so a
 * value stored under the wrong kind of key is rejected rather than misread.
 * After it, format 3 writes lib0 fields: a string is a varint byte length and
 * its UTF-8, a seq or counter a varint (any safe integer), a vector a varint
 * count of (origin, counter). Every encode function has its decode twin;
 * decoders check every length and integer against its bound and return a
 * reason instead of guessing.
 *
 * Older stores: a format-1/2 store's log, snapshot and high-water records have
 * kinds of their own (2, 3, 5), and the decoders here hand those to the
 * format-2 readers in `payload-v2.ts`; so such a store opens and reads as it
 * was written, and what this release writes into it is format 3.
 */
import * as encoding from 'lib0/encoding'
import { StoreInputError, StoreLimitError } from './errors.ts'
import { BACKEND_NAME_BYTES_MAX, COVERS_ORIGINS_MAX, ORIGIN_BYTES_MAX } from './limits.ts'
import { PayloadReader } from './payload-reader.ts'
import {
  KIND_HIGH_WATER_V2,
  KIND_LOG_V2,
  KIND_SNAPSHOT_V2,
  readHighWaterV2,
  readLogEntryV2,
  readSnapshotV2,
} from './payload-v2.ts'
import { RECORD_HEADER_BYTES, sealRecord } from './record.ts'
import type { Dot, VersionVector } from './store.ts'

/**
 * The layout version this code writes into the format record. 2 added the
 * per-document high-water record; 3 writes log, snapshot and high-water
 * payloads with lib0 varints instead of big-endian fixed-width fields (a log
 * entry's header shrinks from 12 + names to 4 + names bytes while its seq
 * is under 128). A version 1 or 2 store reads as it is (`payload-v2.ts`) and
 * is marked 3 when opened.
 */
export const STORE_FORMAT_VERSION = 3

/** Every layout version this code can read. */
export const STORE_FORMAT_VERSIONS_READABLE: readonly number[] = [1, 2, 3]

const FORMAT_MAGIC = 'isthmus-store'
/** Format and meta records: their layouts are the same in every format version. */
const KIND_FORMAT = 1
const KIND_META = 4
/** The format-3 kinds (the format-2 ones, 2, 3 and 5, are only read: `payload-v2.ts`). */
const KIND_LOG = 6
const KIND_SNAPSHOT = 7
const KIND_HIGH_WATER = 8

/** A decoded payload, or why it could not be decoded. */
export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: string }

/** One log entry as stored: the backend rides along so a log entry alone names its document's backend. */
export interface LogEntryPayload {
  backend: string
  dot: Dot
  update: Uint8Array
}

/** A snapshot as stored, with the local seq through which it replaced the log (kept so seqs never go backwards). */
export interface SnapshotPayload {
  backend: string
  compactedThroughSeq: number
  covers: VersionVector
  bytes: Uint8Array
}

const utf8Encoder = new TextEncoder()
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** UTF-8 bytes of `text`, refusing strings UTF-8 cannot carry unchanged and ones over `bytesMax`. */
function utf8(what: string, text: string, bytesMax: number): Uint8Array {
  if (LONE_SURROGATE.test(text)) throw new StoreInputError(`${what} is not well-formed UTF-16`)
  const bytes = utf8Encoder.encode(text)
  if (bytes.byteLength > bytesMax)
    throw new StoreLimitError(`${what} (UTF-8 bytes)`, bytesMax, bytes.byteLength)
  return bytes
}

/**
 * Names kept encoded (backends, and origins: one per node that writes). Every
 * log entry carries both, and encoding and checking them was the largest
 * share of an append's own CPU. Bounded so that a stream of distinct names
 * cannot grow it: once full, further names are encoded each time.
 */
const NAME_CACHE_ENTRIES_MAX = 1024
const nameCache = new Map<string, Uint8Array>()

/** `utf8` of a name, from the cache when it is there. The bytes are shared: only ever copied from. */
function cachedName(what: string, text: string, bytesMax: number): Uint8Array {
  let bytes = nameCache.get(text)
  if (bytes === undefined) {
    // Checked against the bound before it is cached: every name in the cache passed it.
    bytes = utf8(what, text, bytesMax)
    if (nameCache.size < NAME_CACHE_ENTRIES_MAX) nameCache.set(text, bytes)
  } else if (bytes.byteLength > bytesMax) {
    throw new StoreLimitError(`${what} (UTF-8 bytes)`, bytesMax, bytes.byteLength)
  }
  return bytes
}

/** A count or seq the store writes: a non-negative safe integer, else the caller's mistake. */
function checkCount(what: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0)
    throw new StoreInputError(`${what} must be a non-negative safe integer, got ${n}`)
}

function decodeWith<T>(payload: Uint8Array, read: (reader: PayloadReader) => T): Decoded<T> {
  try {
    return { ok: true, value: read(new PayloadReader(payload)) }
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) }
  }
}

/** Reads the kind byte; a format-2 kind goes to its own reader instead. */
function readKind(reader: PayloadReader, expected: number): void {
  const kind = reader.u8()
  if (kind !== expected) throw new Error(`payload kind ${kind}, expected ${expected}`)
}

/** The payload's kind byte, or -1 for an empty payload. */
function kindOf(payload: Uint8Array): number {
  return payload.byteLength > 0 ? (payload[0] as number) : -1
}

/**
 * The format record: kind, u8 magic length, magic, u32 big-endian version.
 * Its layout never changes (it is what says which layout the rest has).
 */
export function encodeFormat(version: number): Uint8Array {
  const magic = utf8Encoder.encode(FORMAT_MAGIC)
  const e = encoding.createEncoder()
  encoding.writeUint8(e, KIND_FORMAT)
  encoding.writeUint8(e, magic.byteLength)
  encoding.writeUint8Array(e, magic)
  encoding.writeUint32BigEndian(e, version)
  return encoding.toUint8Array(e)
}

export function decodeFormat(payload: Uint8Array): Decoded<number> {
  return decodeWith(payload, (reader) => {
    readKind(reader, KIND_FORMAT)
    const magic = new TextDecoder().decode(reader.raw(reader.u8()))
    if (magic !== FORMAT_MAGIC) throw new Error(`format magic ${JSON.stringify(magic)}`)
    const version = reader.u32BigEndian()
    reader.end('format record')
    return version
  })
}

export function encodeLogEntry(entry: LogEntryPayload): Uint8Array {
  const e = encoding.createEncoder()
  writeLogEntry(e, entry)
  return encoding.toUint8Array(e)
}

/** `encodeRecord(encodeLogEntry(entry))`, built in one buffer: what `append` stores (one record per update). */
export function encodeLogEntryRecord(entry: LogEntryPayload): Uint8Array {
  const e = encoding.createEncoder()
  for (let i = 0; i < RECORD_HEADER_BYTES; i++) encoding.writeUint8(e, 0)
  writeLogEntry(e, entry)
  return sealRecord(encoding.toUint8Array(e))
}

/** Checks the entry's names and seq, then writes kind, backend, origin, seq, update. */
function writeLogEntry(e: encoding.Encoder, entry: LogEntryPayload): void {
  const backend = cachedName('backend name', entry.backend, BACKEND_NAME_BYTES_MAX)
  const origin = cachedName('dot origin', entry.dot.origin, ORIGIN_BYTES_MAX)
  checkCount('dot seq', entry.dot.seq)
  encoding.writeUint8(e, KIND_LOG)
  encoding.writeVarUint8Array(e, backend)
  encoding.writeVarUint8Array(e, origin)
  encoding.writeVarUint(e, entry.dot.seq)
  encoding.writeUint8Array(e, entry.update)
}

export function decodeLogEntry(payload: Uint8Array): Decoded<LogEntryPayload> {
  if (kindOf(payload) === KIND_LOG_V2) return decodeWith(payload, () => readLogEntryV2(payload))
  return decodeWith(payload, (reader) => {
    readKind(reader, KIND_LOG)
    const backend = reader.string('backend name', BACKEND_NAME_BYTES_MAX)
    const origin = reader.string('dot origin', ORIGIN_BYTES_MAX)
    const seq = reader.varUint('dot seq')
    return { backend, dot: { origin, seq }, update: reader.rest() }
  })
}

/** Checks a vector's size, origins and counters, then writes it: varint count, then (origin, counter) each. */
function writeVector(e: encoding.Encoder, what: string, vector: VersionVector): void {
  const entries = Object.entries(vector)
  if (entries.length > COVERS_ORIGINS_MAX) {
    throw new StoreLimitError(`${what} vector origins`, COVERS_ORIGINS_MAX, entries.length)
  }
  const origins = entries.map(([origin, counter]) => {
    checkCount(`${what}[${JSON.stringify(origin)}]`, counter)
    return utf8(`${what} origin`, origin, ORIGIN_BYTES_MAX)
  })
  encoding.writeVarUint(e, entries.length)
  origins.forEach((origin, i) => {
    encoding.writeVarUint8Array(e, origin)
    encoding.writeVarUint(e, entries[i]?.[1] ?? 0)
  })
}

function readVector(reader: PayloadReader, what: string): VersionVector {
  const count = reader.varUint(`${what} origin count`, COVERS_ORIGINS_MAX)
  const entries: Array<[string, number]> = []
  for (let i = 0; i < count; i++) {
    const origin = reader.string(`${what} origin`, ORIGIN_BYTES_MAX)
    entries.push([origin, reader.varUint(`${what} counter`)])
  }
  // fromEntries defines own properties: an origin named "__proto__" stays a plain key.
  return Object.fromEntries(entries)
}

export function encodeSnapshot(snapshot: SnapshotPayload): Uint8Array {
  const backend = utf8('backend name', snapshot.backend, BACKEND_NAME_BYTES_MAX)
  checkCount('compacted-through seq', snapshot.compactedThroughSeq)
  const e = encoding.createEncoder()
  encoding.writeUint8(e, KIND_SNAPSHOT)
  encoding.writeVarUint8Array(e, backend)
  encoding.writeVarUint(e, snapshot.compactedThroughSeq)
  writeVector(e, 'covers', snapshot.covers)
  encoding.writeUint8Array(e, snapshot.bytes)
  return encoding.toUint8Array(e)
}

export function decodeSnapshot(payload: Uint8Array): Decoded<SnapshotPayload> {
  if (kindOf(payload) === KIND_SNAPSHOT_V2) return decodeWith(payload, () => readSnapshotV2(payload))
  return decodeWith(payload, (reader) => {
    readKind(reader, KIND_SNAPSHOT)
    const backend = reader.string('backend name', BACKEND_NAME_BYTES_MAX)
    const compactedThroughSeq = reader.varUint('compacted-through seq')
    const covers = readVector(reader, 'covers')
    return { backend, compactedThroughSeq, covers, bytes: reader.rest() }
  })
}

/** A document's high-water mark: per origin, the highest seq ever appended to it. */
export function encodeHighWater(highWater: VersionVector): Uint8Array {
  const e = encoding.createEncoder()
  encoding.writeUint8(e, KIND_HIGH_WATER)
  writeVector(e, 'high-water', highWater)
  return encoding.toUint8Array(e)
}

export function decodeHighWater(payload: Uint8Array): Decoded<VersionVector> {
  if (kindOf(payload) === KIND_HIGH_WATER_V2) return decodeWith(payload, () => readHighWaterV2(payload))
  return decodeWith(payload, (reader) => {
    readKind(reader, KIND_HIGH_WATER)
    const vector = readVector(reader, 'high-water')
    reader.end('high-water vector')
    return vector
  })
}

/** A metadata value: kind, then the bytes as they are. */
export function encodeMeta(value: Uint8Array): Uint8Array {
  const e = encoding.createEncoder()
  encoding.writeUint8(e, KIND_META)
  encoding.writeUint8Array(e, value)
  return encoding.toUint8Array(e)
}

export function decodeMeta(payload: Uint8Array): Decoded<Uint8Array> {
  return decodeWith(payload, (reader) => {
    readKind(reader, KIND_META)
    return reader.rest()
  })
}
