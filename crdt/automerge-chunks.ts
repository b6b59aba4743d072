/**
 * Automerge's binary container: a sequence of chunks, each
 *
 *   [magic 85 6f 4a 83][checksum: 4 bytes][type: 1 byte][uLEB128 length][payload]
 *
 * where the checksum is the first four bytes of SHA-256 over type, length and
 * payload, and type is 0 (document), 1 (change) or 2 (deflated change).
 * Automerge 3.5 does not verify the checksum of changes it applies (a flipped
 * byte becomes a different change that then blocks the real one with
 * "duplicate seq"), so chunks are verified here before Automerge sees them.
 * Deflated changes are the exception: their checksum covers the inflated
 * bytes (it is the change hash), and the JS API never emits them; they are
 * passed on unverified.
 */
import { digest } from 'lib0/hash/sha256'
import { CrdtDecodeError } from './errors.ts'

const MAGIC = [0x85, 0x6f, 0x4a, 0x83] as const
const CHECKSUM_BYTES = 4
/** Magic, checksum and type byte: the header before the length. */
const PREFIX_BYTES = MAGIC.length + CHECKSUM_BYTES + 1

export const CHUNK_DOCUMENT = 0
export const CHUNK_CHANGE = 1
export const CHUNK_DEFLATED_CHANGE = 2

/** One chunk of an Automerge byte sequence. */
export interface Chunk {
  type: number
  /** The whole chunk, header included (a view into the input). */
  bytes: Uint8Array
}

/** Splits concatenated chunks, verifying each; throws CrdtDecodeError on anything malformed. */
export function splitChunks(input: Uint8Array): Chunk[] {
  if (input.length === 0) throw new CrdtDecodeError('automerge update: empty')
  const chunks: Chunk[] = []
  let offset = 0
  while (offset < input.length) {
    const chunk = readChunk(input, offset)
    chunks.push(chunk)
    offset += chunk.bytes.length
  }
  return chunks
}

/** Joins changes into one byte sequence that `splitChunks` reads back. */
export function concatChunks(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0))
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.length
  }
  return out
}

function readChunk(input: Uint8Array, start: number): Chunk {
  for (let i = 0; i < MAGIC.length; i++) {
    if (input[start + i] !== MAGIC[i]) throw fault(start, 'no chunk magic')
  }
  const type = input[start + PREFIX_BYTES - 1]
  if (type === undefined) throw fault(start, 'truncated header')
  if (type !== CHUNK_DOCUMENT && type !== CHUNK_CHANGE && type !== CHUNK_DEFLATED_CHANGE) {
    throw fault(start, `unknown chunk type ${type}`)
  }
  const { value: length, end: payloadStart } = readUleb128(input, start + PREFIX_BYTES)
  const end = payloadStart + length
  if (end > input.length) throw fault(start, `length ${length} runs past the input`)
  if (type !== CHUNK_DEFLATED_CHANGE) verifyChecksum(input, start, end)
  return { type, bytes: input.subarray(start, end) }
}

function verifyChecksum(input: Uint8Array, start: number, end: number): void {
  const checksum = digest(input.subarray(start + PREFIX_BYTES - 1, end))
  for (let i = 0; i < CHECKSUM_BYTES; i++) {
    if (checksum[i] !== input[start + MAGIC.length + i]) throw fault(start, 'checksum mismatch')
  }
}

/** An unsigned LEB128 below 2^53; `end` is the offset after it. */
function readUleb128(input: Uint8Array, start: number): { value: number; end: number } {
  let value = 0
  let scale = 1
  for (let offset = start; offset < input.length; offset++) {
    const byte = input[offset] ?? 0
    value += (byte & 0x7f) * scale
    if (!Number.isSafeInteger(value)) throw fault(start, 'length overflows')
    if (byte < 0x80) return { value, end: offset + 1 }
    scale *= 128
  }
  throw fault(start, 'truncated length')
}

function fault(offset: number, reason: string): CrdtDecodeError {
  return new CrdtDecodeError(`automerge update: ${reason} (chunk at byte ${offset})`)
}
