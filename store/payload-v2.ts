/**
 * The payload layouts of store formats 1 and 2, kept for reading only: a store
 * written before format 3 opens and reads as it was written, and every record
 * this release writes uses the lib0 layouts of `payload.ts`. The two never
 * meet under one kind byte (these are kinds 2, 3 and 5; format 3 uses 6, 7
 * and 8), so a record is always read with the layout it was written in.
 *
 * Format 1/2 layout, big-endian: a string is a u8 (backend) or u16 (origin)
 * byte length and its UTF-8; a seq or counter is a float64 holding a safe
 * integer; a vector is a u32 count of (u16 length, origin, float64 counter).
 */
import { COVERS_ORIGINS_MAX } from './limits.ts'
import type { VersionVector } from './store.ts'

/** The kind bytes of the format-1/2 payloads read here (the format and meta records did not change). */
export const KIND_LOG_V2 = 2
export const KIND_SNAPSHOT_V2 = 3
export const KIND_HIGH_WATER_V2 = 5

const utf8Decoder = new TextDecoder('utf-8', { fatal: true })

/** Reads a format-2 payload; every read checks bounds and throws a reason on bad input. */
class PayloadReaderV2 {
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

function readVectorV2(reader: PayloadReaderV2, what: string): VersionVector {
  const originCount = reader.u32()
  if (originCount > COVERS_ORIGINS_MAX) throw new Error(`${what} has ${originCount} origins`)
  const entries: Array<[string, number]> = []
  for (let i = 0; i < originCount; i++) {
    const origin = reader.string(reader.u16())
    entries.push([origin, reader.count(`${what} counter`)])
  }
  // fromEntries defines own properties: an origin named "__proto__" stays a plain key.
  return Object.fromEntries(entries)
}

/** A format-1/2 log entry (kind 2). Throws a reason on anything it cannot read. */
export function readLogEntryV2(payload: Uint8Array): {
  backend: string
  dot: { origin: string; seq: number }
  update: Uint8Array
} {
  const reader = new PayloadReaderV2(payload)
  reader.kind(KIND_LOG_V2)
  const backend = reader.string(reader.u8())
  const origin = reader.string(reader.u16())
  const seq = reader.count('dot seq')
  return { backend, dot: { origin, seq }, update: reader.rest() }
}

/** A format-1/2 snapshot (kind 3). */
export function readSnapshotV2(payload: Uint8Array): {
  backend: string
  compactedThroughSeq: number
  covers: VersionVector
  bytes: Uint8Array
} {
  const reader = new PayloadReaderV2(payload)
  reader.kind(KIND_SNAPSHOT_V2)
  const backend = reader.string(reader.u8())
  const compactedThroughSeq = reader.count('compacted-through seq')
  const covers = readVectorV2(reader, 'covers')
  return { backend, compactedThroughSeq, covers, bytes: reader.rest() }
}

/** A format-2 high-water record (kind 5). */
export function readHighWaterV2(payload: Uint8Array): VersionVector {
  const reader = new PayloadReaderV2(payload)
  reader.kind(KIND_HIGH_WATER_V2)
  const vector = readVectorV2(reader, 'high-water')
  if (reader.rest().byteLength > 0) throw new Error('trailing bytes after the high-water vector')
  return vector
}
