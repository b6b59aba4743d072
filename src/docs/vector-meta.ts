/**
 * A document's claimed version vector as kept in node metadata
 * (`vectorMetaKey`): what this node had durably acknowledged, restored on load.
 *
 *   u8 format (VECTOR_META_VERSION) | varint count | (varint-length UTF-8 origin, varint seq)*
 *
 * on lib0's encoding, like the wire and the store's records. Written before
 * this format as JSON text (`{"n1":3}`), which still reads: its first byte is
 * `{`, never a format byte.
 */
import * as encoding from 'lib0/encoding'
import type { VersionVector } from '../../store/store.ts'
import { MetadataFormatError } from '../errors.ts'
import { FrameReader, WireDecodeError } from '../wire/frame-reader.ts'

/** The format byte this code writes. */
export const VECTOR_META_VERSION = 1
/** The first byte of the JSON form written before the format byte existed. */
const LEGACY_JSON_OPEN_BRACE = 0x7b
/** Origins in one stored vector: one per node that ever wrote the document, bounded like the wire's. */
export const VECTOR_META_ORIGINS_MAX = 10_000
/** An origin is a node id. */
const ORIGIN_BYTES_MAX = 512

const utf8 = new TextEncoder()

export function encodeVector(vector: VersionVector): Uint8Array {
  const entries = Object.entries(vector)
  if (entries.length > VECTOR_META_ORIGINS_MAX)
    throw new RangeError(`${entries.length} origins over ${VECTOR_META_ORIGINS_MAX}`)
  const e = encoding.createEncoder()
  encoding.writeUint8(e, VECTOR_META_VERSION)
  encoding.writeVarUint(e, entries.length)
  for (const [origin, seq] of entries) {
    encoding.writeVarUint8Array(e, utf8.encode(origin))
    encoding.writeVarUint(e, seq)
  }
  return encoding.toUint8Array(e)
}

/** The stored vector (empty when none is stored); throws MetadataFormatError on bytes it cannot read. */
export function decodeVector(bytes: Uint8Array | undefined): VersionVector {
  if (!bytes || bytes.length === 0) return {}
  if (bytes[0] === LEGACY_JSON_OPEN_BRACE) return decodeLegacyJson(bytes)
  if (bytes[0] !== VECTOR_META_VERSION)
    throw new MetadataFormatError(`stored version vector in unknown format ${bytes[0]}`)
  try {
    const r = new FrameReader(bytes.subarray(1))
    const entries: Array<[string, number]> = []
    const count = r.varUint(VECTOR_META_ORIGINS_MAX)
    for (let i = 0; i < count; i++) entries.push([r.string(ORIGIN_BYTES_MAX), r.varUint()])
    r.end()
    // fromEntries defines own properties: an origin named "__proto__" stays a plain key.
    return Object.fromEntries(entries.filter(([, seq]) => seq > 0))
  } catch (error) {
    if (error instanceof WireDecodeError)
      throw new MetadataFormatError(`stored version vector: ${error.message}`, { cause: error })
    throw error
  }
}

/** The JSON form written before VECTOR_META_VERSION: counters that are positive safe integers, the rest ignored as before. */
function decodeLegacyJson(bytes: Uint8Array): VersionVector {
  let parsed: unknown
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes))
  } catch (error) {
    throw new MetadataFormatError('stored version vector: unreadable JSON', { cause: error })
  }
  if (typeof parsed !== 'object' || parsed === null) return {}
  const entries = Object.entries(parsed).filter(
    (entry): entry is [string, number] => Number.isSafeInteger(entry[1]) && entry[1] > 0,
  )
  return Object.fromEntries(entries)
}
