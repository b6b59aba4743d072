/**
 * The envelope around every value the store writes:
 *
 *   byte 0      record version (RECORD_VERSION)
 *   bytes 1..4  CRC-32 of the payload, big-endian
 *   bytes 5..   payload
 *
 * The checksum lets `open()` tell a damaged value from an intact one and skip
 * only the damaged. It is `zlib.crc32` from Node itself (22.2+), which Node
 * maintains and runs natively, rather than a hand-rolled table.
 */
import { crc32 } from 'node:zlib'

/** The only record version this code writes and reads. */
export const RECORD_VERSION = 1

/** Bytes before the payload: version byte + CRC-32. */
export const RECORD_HEADER_BYTES = 5

/** The outcome of decoding a record: the payload, or why it cannot be trusted. */
export type DecodedRecord =
  | { ok: true; payload: Uint8Array }
  | { ok: false; reason: string; unknownVersion?: number }

/** Wraps `payload` in a record: version byte, CRC-32, payload. */
export function encodeRecord(payload: Uint8Array): Uint8Array {
  const record = new Uint8Array(RECORD_HEADER_BYTES + payload.byteLength)
  record.set(payload, RECORD_HEADER_BYTES)
  return sealRecord(record)
}

/**
 * Fills in the header of `record`, whose payload is already in place after
 * `RECORD_HEADER_BYTES` bytes of room: the same bytes as
 * `encodeRecord(payload)`, without building the payload apart and copying it
 * (the append path makes one record per update). Returns `record`.
 */
export function sealRecord(record: Uint8Array): Uint8Array {
  const checksum = crc32(record.subarray(RECORD_HEADER_BYTES))
  record[0] = RECORD_VERSION
  record[1] = checksum >>> 24
  record[2] = (checksum >>> 16) & 0xff
  record[3] = (checksum >>> 8) & 0xff
  record[4] = checksum & 0xff
  return record
}

/**
 * Unwraps a record made by `encodeRecord`. Rejects (never guesses) a value
 * shorter than the header, an unknown version or a checksum mismatch. The
 * payload is a view into `record`, typed as a plain Uint8Array.
 */
export function decodeRecord(record: Uint8Array): DecodedRecord {
  if (record.byteLength < RECORD_HEADER_BYTES) {
    return {
      ok: false,
      reason: `truncated: ${record.byteLength} bytes, the header alone is ${RECORD_HEADER_BYTES}`,
    }
  }
  const version = record[0]
  if (version !== RECORD_VERSION) {
    return { ok: false, reason: `unknown record version ${version}`, unknownVersion: version }
  }
  const view = new DataView(record.buffer, record.byteOffset, record.byteLength)
  const expected = view.getUint32(1, false)
  const payload = new Uint8Array(
    record.buffer,
    record.byteOffset + RECORD_HEADER_BYTES,
    record.byteLength - RECORD_HEADER_BYTES,
  )
  const actual = crc32(payload)
  if (actual !== expected) {
    return { ok: false, reason: `checksum mismatch (stored ${hex(expected)}, computed ${hex(actual)})` }
  }
  return { ok: true, payload }
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`
}
