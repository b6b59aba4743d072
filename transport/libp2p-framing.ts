/**
 * Frames on an `/isthmus/1.0.0` stream: an unsigned LEB128 varint length, then
 * that many bytes. A libp2p stream delivers bytes in chunks of any size, so
 * the decoder is incremental: it keeps a partial length prefix or a partial
 * body between chunks and only ever hands out whole frames.
 *
 * The format version is the protocol id (`/isthmus/1.0.0`): a new framing
 * would be a new protocol id, negotiated by multistream-select.
 *
 * Hand-rolled rather than `@libp2p/utils`' LengthPrefixedDecoder because that
 * one silently skips 0-byte frames (the node may send them) and keeps
 * buffering an endless run of continuation bytes instead of rejecting it.
 *
 * Nor `it-length-prefixed` (11.0.1, which ships with libp2p), measured against
 * the cases the tests pin down: it does keep the bound (an oversize prefix is
 * rejected with 0 body bytes buffered; a run of continuation bytes is
 * rejected within the first 1 KiB chunk) and yields a 0-byte frame at a
 * chunk's end. But (1) it misframes a non-minimal prefix instead of rejecting
 * it: `80 00 01 05` decodes as frames of 0, 0 and 1 bytes, because it consumes
 * `encodingLength(value)` bytes, not the bytes it read, so a frame boundary is
 * guessed; and (2) its decoder pulls from an (async) iterable, while a libp2p 3
 * stream pushes `message` events: using it takes a pushable queue and a read
 * loop per stream, an async hop per frame, and a new ordering between the last
 * frames and the stream's `close`. The decoder here is 100 lines, incremental
 * and synchronous, and rejects both cases. The wire format is the same:
 * test/transport/it-length-prefixed.test.ts checks that each side reads the
 * other's frames byte for byte, and pins case (1), so the release that fixes
 * it fails that test and says to switch.
 */

/**
 * Bytes a length prefix may take: 5 varint bytes carry 35 bits, more than any
 * frame bound we accept (`FRAME_BYTES_LIMIT`), so a sixth byte can only be garbage.
 */
export const LENGTH_PREFIX_BYTES_MAX = 5

/** The largest `frameBytesMax` accepted: 1 GiB, far past any sane frame and still a safe array length. */
export const FRAME_BYTES_LIMIT = 2 ** 30

/** Why the decoder gave up on a stream. */
export type FrameErrorReason = 'oversize' | 'malformed'

/** What the decoder reports when the stream can no longer be trusted. */
export interface FrameError {
  reason: FrameErrorReason
  detail: string
}

/** The varint length prefix for a frame of `frameBytes` bytes. */
export function encodeLengthPrefix(frameBytes: number): Uint8Array {
  if (!Number.isSafeInteger(frameBytes) || frameBytes < 0)
    throw new RangeError(`bad frame length ${frameBytes}`)
  const out: number[] = []
  let rest = frameBytes
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80)
    rest = Math.floor(rest / 0x80)
  }
  out.push(rest)
  return Uint8Array.from(out)
}

/** Prefix and frame as one buffer: what the transport queues and sends as one message. */
export function encodeFrame(frame: Uint8Array): Uint8Array {
  const prefix = encodeLengthPrefix(frame.byteLength)
  const out = new Uint8Array(prefix.byteLength + frame.byteLength)
  out.set(prefix, 0)
  out.set(frame, prefix.byteLength)
  return out
}

/**
 * Turns chunks into whole frames. After it reports an error it stays failed:
 * the caller resets the stream, since nothing after a bad prefix can be framed.
 */
export class FrameDecoder {
  readonly #frameBytesMax: number
  // The length prefix being read: its value so far and how many bytes it took.
  #prefixValue = 0
  #prefixBytes = 0
  // The body being read, once the prefix is complete: its length and the parts received.
  #bodyBytes: number | undefined
  #parts: Uint8Array[] = []
  #partsBytes = 0
  #failed: FrameError | undefined

  constructor(frameBytesMax: number) {
    this.#frameBytesMax = frameBytesMax
  }

  /** Bytes held for a frame not yet complete (bounded by `frameBytesMax` plus a prefix). */
  get bufferedBytes(): number {
    return this.#partsBytes + this.#prefixBytes
  }

  /** Feeds one chunk; calls `onFrame` for each frame it completes. Returns an error once the stream is bad. */
  push(chunk: Uint8Array, onFrame: (frame: Uint8Array) => void): FrameError | undefined {
    let offset = 0
    while (this.#failed === undefined && offset < chunk.byteLength) {
      if (this.#bodyBytes === undefined) {
        offset = this.#readPrefix(chunk, offset)
      } else {
        offset = this.#readBody(chunk, offset)
      }
      // Checked after every step: a 0-byte frame completes with its prefix, even as a chunk's last byte.
      if (
        this.#failed === undefined &&
        this.#bodyBytes !== undefined &&
        this.#partsBytes === this.#bodyBytes
      ) {
        onFrame(this.#takeFrame())
      }
    }
    return this.#failed
  }

  #readPrefix(chunk: Uint8Array, start: number): number {
    let offset = start
    while (offset < chunk.byteLength) {
      const byte = chunk[offset++] ?? 0
      this.#prefixValue += (byte & 0x7f) * 2 ** (7 * this.#prefixBytes)
      this.#prefixBytes++
      if (this.#prefixValue > this.#frameBytesMax) {
        return this.#fail('oversize', `frame of ${this.#prefixValue}+ bytes, limit ${this.#frameBytesMax}`)
      }
      if ((byte & 0x80) === 0) {
        // A trailing zero byte means a padded (non-minimal) prefix: a conforming sender never writes one.
        if (byte === 0 && this.#prefixBytes > 1) return this.#fail('malformed', 'non-minimal length prefix')
        this.#bodyBytes = this.#prefixValue
        return offset
      }
      if (this.#prefixBytes >= LENGTH_PREFIX_BYTES_MAX) {
        return this.#fail('malformed', `length prefix longer than ${LENGTH_PREFIX_BYTES_MAX} bytes`)
      }
    }
    return offset
  }

  #readBody(chunk: Uint8Array, offset: number): number {
    const wanted = (this.#bodyBytes ?? 0) - this.#partsBytes
    const end = Math.min(chunk.byteLength, offset + wanted)
    if (end > offset) {
      this.#parts.push(chunk.subarray(offset, end))
      this.#partsBytes += end - offset
    }
    return end
  }

  // Copies the parts into a fresh buffer: the frame then owns its memory and
  // does not pin the (possibly much larger) chunks it was cut from.
  #takeFrame(): Uint8Array {
    const frame = new Uint8Array(this.#partsBytes)
    let at = 0
    for (const part of this.#parts) {
      frame.set(part, at)
      at += part.byteLength
    }
    this.#parts = []
    this.#partsBytes = 0
    this.#bodyBytes = undefined
    this.#prefixValue = 0
    this.#prefixBytes = 0
    return frame
  }

  #fail(reason: FrameErrorReason, detail: string): number {
    this.#failed = { reason, detail }
    this.#parts = []
    this.#partsBytes = 0
    return Number.POSITIVE_INFINITY
  }
}
