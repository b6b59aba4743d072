/**
 * The payloads inside records (see `record.ts` for the envelope). Each starts
 * with a kind byte, so a value stored under the wrong kind of key is rejected
 * rather than misread. Integers that can exceed 32 bits (seqs, counters) are
 * float64 holding a safe integer; strings are UTF-8 with a length prefix.
 * Every encode function has its decode twin; decoders return a reason instead
 * of guessing.
 */
import { StoreInputError, StoreLimitError } from './errors.ts'
import { BACKEND_NAME_BYTES_MAX, COVERS_ORIGINS_MAX, ORIGIN_BYTES_MAX } from './limits.ts'
import { encodeRecordInPlace } from './record.ts'
import type { Dot, VersionVector } from './store.ts'

/**
 * The layout version this code writes into the format record. Version 2 added
 * the per-document high-water record; a version 1 store reads the same, minus
 * that record, and is upgraded in place when opened.
 */
export const STORE_FORMAT_VERSION = 2

/** Every layout version this code can read. */
export const STORE_FORMAT_VERSIONS_READABLE: readonly number[] = [1, 2]

const FORMAT_MAGIC = 'isthmus-store'
const KIND_FORMAT = 1
const KIND_LOG = 2
const KIND_SNAPSHOT = 3
const KIND_META = 4
const KIND_HIGH_WATER = 5

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
const utf8Decoder = new TextDecoder('utf-8', { fatal: true })
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

/** Scratch for float64s: writes go byte by byte, since a DataView per record costs more than the rest of the record. */
const f64Scratch = new DataView(new ArrayBuffer(8))

/** Writes big-endian into a buffer sized up front, from `start` on; callers add up the sizes exactly. */
class PayloadWriter {
  readonly bytes: Uint8Array
  private at: number

  constructor(bytes: Uint8Array, start = 0) {
    this.bytes = bytes
    this.at = start
  }
  u8(n: number): void {
    this.bytes[this.at++] = n
  }
  u16(n: number): void {
    this.u8(n >>> 8)
    this.u8(n & 0xff)
  }
  u32(n: number): void {
    this.u16(n >>> 16)
    this.u16(n & 0xffff)
  }
  f64(n: number): void {
    f64Scratch.setFloat64(0, n, false)
    for (let i = 0; i < 8; i++) this.u8(f64Scratch.getUint8(i))
  }
  raw(bytes: Uint8Array): void {
    this.bytes.set(bytes, this.at)
    this.at += bytes.byteLength
  }
}

/** Reads a payload; every read checks bounds and throws a reason on bad input. */
class PayloadReader {
  private readonly view: DataView
  private at = 0
  private readonly payload: Uint8Array

  constructor(payload: Uint8Array) {
    this.payload = payload
    this.view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength)
  }
  private need(n: number): void {
    if (this.at + n > this.payload.byteLength)
      throw new Error(`truncated payload: needs ${n} more bytes at ${this.at}`)
  }
  u8(): number {
    this.need(1)
    return this.view.getUint8(this.at++)
  }
  u16(): number {
    this.need(2)
    this.at += 2
    return this.view.getUint16(this.at - 2, false)
  }
  u32(): number {
    this.need(4)
    this.at += 4
    return this.view.getUint32(this.at - 4, false)
  }
  /** A non-negative safe integer stored as float64. */
  count(what: string): number {
    this.need(8)
    const n = this.view.getFloat64(this.at, false)
    this.at += 8
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${what} is not a non-negative safe integer: ${n}`)
    return n
  }
  string(length: number): string {
    this.need(length)
    this.at += length
    return utf8Decoder.decode(this.payload.subarray(this.at - length, this.at))
  }
  rest(): Uint8Array {
    const rest = this.payload.subarray(this.at)
    this.at = this.payload.byteLength
    return rest
  }
  kind(expected: number): void {
    const kind = this.u8()
    if (kind !== expected) throw new Error(`payload kind ${kind}, expected ${expected}`)
  }
}

function decodeWith<T>(payload: Uint8Array, read: (reader: PayloadReader) => T): Decoded<T> {
  try {
    return { ok: true, value: read(new PayloadReader(payload)) }
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) }
  }
}

/** The format record: magic + store format version. */
export function encodeFormat(version: number): Uint8Array {
  const magic = utf8Encoder.encode(FORMAT_MAGIC)
  const writer = new PayloadWriter(new Uint8Array(1 + 1 + magic.byteLength + 4))
  writer.u8(KIND_FORMAT)
  writer.u8(magic.byteLength)
  writer.raw(magic)
  writer.u32(version)
  return writer.bytes
}

export function decodeFormat(payload: Uint8Array): Decoded<number> {
  return decodeWith(payload, (reader) => {
    reader.kind(KIND_FORMAT)
    const magic = reader.string(reader.u8())
    if (magic !== FORMAT_MAGIC) throw new Error(`format magic ${JSON.stringify(magic)}`)
    return reader.u32()
  })
}

export function encodeLogEntry(entry: LogEntryPayload): Uint8Array {
  const names = logEntryNames(entry)
  const payload = new Uint8Array(logEntryBytes(names, entry))
  writeLogEntry(new PayloadWriter(payload), names, entry)
  return payload
}

/** `encodeRecord(encodeLogEntry(entry))`, built in one buffer: what `append` stores. */
export function encodeLogEntryRecord(entry: LogEntryPayload): Uint8Array {
  const names = logEntryNames(entry)
  return encodeRecordInPlace(logEntryBytes(names, entry), (record, start) =>
    writeLogEntry(new PayloadWriter(record, start), names, entry),
  )
}

interface LogEntryNames {
  backend: Uint8Array
  origin: Uint8Array
}

/** The entry's names as UTF-8; checks them and the seq. */
function logEntryNames(entry: LogEntryPayload): LogEntryNames {
  const backend = cachedName('backend name', entry.backend, BACKEND_NAME_BYTES_MAX)
  const origin = cachedName('dot origin', entry.dot.origin, ORIGIN_BYTES_MAX)
  if (!Number.isSafeInteger(entry.dot.seq) || entry.dot.seq < 0) {
    throw new StoreInputError(`dot seq must be a non-negative safe integer, got ${entry.dot.seq}`)
  }
  return { backend, origin }
}

function logEntryBytes(names: LogEntryNames, entry: LogEntryPayload): number {
  return 1 + 1 + names.backend.byteLength + 2 + names.origin.byteLength + 8 + entry.update.byteLength
}

function writeLogEntry(writer: PayloadWriter, names: LogEntryNames, entry: LogEntryPayload): void {
  writer.u8(KIND_LOG)
  writer.u8(names.backend.byteLength)
  writer.raw(names.backend)
  writer.u16(names.origin.byteLength)
  writer.raw(names.origin)
  writer.f64(entry.dot.seq)
  writer.raw(entry.update)
}

export function decodeLogEntry(payload: Uint8Array): Decoded<LogEntryPayload> {
  return decodeWith(payload, (reader) => {
    reader.kind(KIND_LOG)
    const backend = reader.string(reader.u8())
    const origin = reader.string(reader.u16())
    const seq = reader.count('dot seq')
    return { backend, dot: { origin, seq }, update: reader.rest() }
  })
}

/** A vector's origins as UTF-8, checked; and the bytes they take encoded (u16 length, name, f64 counter each, after a u32 count). */
function vectorParts(
  what: string,
  vector: VersionVector,
): { origins: Uint8Array[]; counters: number[]; bytes: number } {
  const entries = Object.entries(vector)
  if (entries.length > COVERS_ORIGINS_MAX) {
    throw new StoreLimitError(`${what} vector origins`, COVERS_ORIGINS_MAX, entries.length)
  }
  const origins = entries.map(([origin, counter]) => {
    if (!Number.isSafeInteger(counter) || counter < 0) {
      throw new StoreInputError(`${what}[${JSON.stringify(origin)}] must be a non-negative safe integer`)
    }
    return utf8(`${what} origin`, origin, ORIGIN_BYTES_MAX)
  })
  const bytes = 4 + origins.reduce((sum, o) => sum + 2 + o.byteLength + 8, 0)
  return { origins, counters: entries.map(([, counter]) => counter), bytes }
}

function writeVector(writer: PayloadWriter, parts: ReturnType<typeof vectorParts>): void {
  writer.u32(parts.origins.length)
  parts.origins.forEach((origin, i) => {
    writer.u16(origin.byteLength)
    writer.raw(origin)
    writer.f64(parts.counters[i] ?? 0)
  })
}

function readVector(reader: PayloadReader, what: string): VersionVector {
  const originCount = reader.u32()
  if (originCount > COVERS_ORIGINS_MAX) throw new Error(`${what} has ${originCount} origins`)
  const vector: VersionVector = {}
  for (let i = 0; i < originCount; i++) {
    const origin = reader.string(reader.u16())
    // defineProperty, not `vector[origin] =`: an origin named "__proto__" must stay a plain key.
    Object.defineProperty(vector, origin, {
      value: reader.count(`${what} counter`),
      enumerable: true,
      writable: true,
      configurable: true,
    })
  }
  return vector
}

export function encodeSnapshot(snapshot: SnapshotPayload): Uint8Array {
  const backend = utf8('backend name', snapshot.backend, BACKEND_NAME_BYTES_MAX)
  const covers = vectorParts('covers', snapshot.covers)
  const writer = new PayloadWriter(
    new Uint8Array(1 + 1 + backend.byteLength + 8 + covers.bytes + snapshot.bytes.byteLength),
  )
  writer.u8(KIND_SNAPSHOT)
  writer.u8(backend.byteLength)
  writer.raw(backend)
  writer.f64(snapshot.compactedThroughSeq)
  writeVector(writer, covers)
  writer.raw(snapshot.bytes)
  return writer.bytes
}

export function decodeSnapshot(payload: Uint8Array): Decoded<SnapshotPayload> {
  return decodeWith(payload, (reader) => {
    reader.kind(KIND_SNAPSHOT)
    const backend = reader.string(reader.u8())
    const compactedThroughSeq = reader.count('compacted-through seq')
    const covers = readVector(reader, 'covers')
    return { backend, compactedThroughSeq, covers, bytes: reader.rest() }
  })
}

/** A document's high-water mark: per origin, the highest seq ever appended to it. */
export function encodeHighWater(highWater: VersionVector): Uint8Array {
  const parts = vectorParts('high-water', highWater)
  const writer = new PayloadWriter(new Uint8Array(1 + parts.bytes))
  writer.u8(KIND_HIGH_WATER)
  writeVector(writer, parts)
  return writer.bytes
}

export function decodeHighWater(payload: Uint8Array): Decoded<VersionVector> {
  return decodeWith(payload, (reader) => {
    reader.kind(KIND_HIGH_WATER)
    const vector = readVector(reader, 'high-water')
    if (reader.rest().byteLength > 0) throw new Error('trailing bytes after the high-water vector')
    return vector
  })
}

export function encodeMeta(value: Uint8Array): Uint8Array {
  const writer = new PayloadWriter(new Uint8Array(1 + value.byteLength))
  writer.u8(KIND_META)
  writer.raw(value)
  return writer.bytes
}

export function decodeMeta(payload: Uint8Array): Decoded<Uint8Array> {
  return decodeWith(payload, (reader) => {
    reader.kind(KIND_META)
    return reader.rest()
  })
}
