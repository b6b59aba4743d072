/**
 * The envelope every isthmus frame shares, whichever subsystem owns it:
 *
 *   u8 version | u8 type | fields (lib0 varints and length-prefixed bytes)
 *
 * Membership (src/membership/heartbeat-frame.ts) and sync (src/sync/wire.ts)
 * each own the fields of their frame types; this module holds what they
 * share: the version, the type codes (one table, so two subsystems never
 * claim the same byte), the frame and name bounds, and the string codec.
 */
import * as encoding from 'lib0/encoding'
import { FrameReader, WireDecodeError } from './frame-reader.ts'

export { FrameReader, WireDecodeError }

/**
 * 2: heartbeats carry a content digest, and `summaries` frames exist
 * (anti-entropy). A version-1 node rejects every version-2 frame and the
 * other way round: mixed clusters do not half-work.
 */
export const WIRE_VERSION = 2

/** Largest frame accepted: a whole-document snapshot of a large editing trace fits with room to spare. */
export const FRAME_BYTES_MAX = 32 * 1024 * 1024
/** Node ids, document names, backend names: short identifiers. */
export const NAME_BYTES_MAX = 512

/** Byte 1 of every frame: its type, and the subsystem that owns it (membership: heartbeat; sync: the rest). */
export const FRAME_TYPE_CODES = {
  heartbeat: 1,
  vectors: 2,
  sync: 3,
  updates: 4,
  ack: 5,
  summaries: 6,
} as const

export type FrameTypeName = keyof typeof FRAME_TYPE_CODES

/** One encoder for every frame (it holds no state); one per string cost more than the encoding. */
const utf8 = new TextEncoder()

/**
 * Strings up to this many characters are written byte by byte when they are
 * ASCII (ids, addresses, names: a heartbeat carries a few per member), which
 * is cheaper than a call into the native encoder. The bytes are the same.
 */
const ASCII_FAST_PATH_CHARS_MAX = 64

/** A varint byte length and the string's UTF-8. */
export function writeString(e: encoding.Encoder, s: string): void {
  if (s.length <= ASCII_FAST_PATH_CHARS_MAX && isAscii(s)) {
    encoding.writeVarUint(e, s.length)
    for (let i = 0; i < s.length; i++) encoding.writeUint8(e, s.charCodeAt(i))
    return
  }
  encoding.writeVarUint8Array(e, utf8.encode(s))
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false
  return true
}

/** A flag byte: 0 or 1, anything else rejected. */
export function readFlag(r: FrameReader): boolean {
  const flag = r.u8()
  if (flag > 1) throw new WireDecodeError(`flag byte ${flag} is neither 0 nor 1`)
  return flag === 1
}

/** A frame of type `type` whose fields `writeBody` writes. Throws RangeError over FRAME_BYTES_MAX (a programmer error). */
export function encodeEnvelope(type: FrameTypeName, writeBody: (e: encoding.Encoder) => void): Uint8Array {
  const e = encoding.createEncoder()
  encoding.writeUint8(e, WIRE_VERSION)
  encoding.writeUint8(e, FRAME_TYPE_CODES[type])
  writeBody(e)
  const bytes = encoding.toUint8Array(e)
  if (bytes.length > FRAME_BYTES_MAX)
    throw new RangeError(`frame of ${bytes.length} bytes over ${FRAME_BYTES_MAX}`)
  return bytes
}

/** Checks a frame's size and version; returns its type code and a reader positioned at its fields. */
export function openEnvelope(bytes: Uint8Array): { type: number; reader: FrameReader } {
  if (bytes.length > FRAME_BYTES_MAX)
    throw new WireDecodeError(`frame of ${bytes.length} bytes over the bound`)
  const reader = new FrameReader(bytes)
  const version = reader.u8()
  if (version !== WIRE_VERSION) throw new WireDecodeError(`unknown wire version ${version}`)
  return { type: reader.u8(), reader }
}
