/**
 * A bounds-checked reader over lib0's decoder. lib0 trusts its input (a short
 * buffer silently yields a short subarray); frames come from peers, so every
 * read here checks what is left and every length against a named bound, and
 * any violation throws WireDecodeError instead of guessing.
 */
import * as decoding from 'lib0/decoding'

/** A frame that could not be decoded: truncated, oversized, unknown version or type, or malformed. */
export class WireDecodeError extends Error {
  override name = 'WireDecodeError'
}

/**
 * Shared by every reader: `decode` without `{ stream: true }` keeps no state
 * between calls, and building a TextDecoder per string cost ~0.3 µs, most of
 * a heartbeat's decoding (a heartbeat names every member, a few strings each).
 */
const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * Strings up to this many bytes are tried as ASCII in JS first: node ids,
 * addresses, document and backend names are short ASCII tokens, and a call
 * into the native decoder costs more than the loop. Longer ones go native.
 */
const ASCII_FAST_PATH_BYTES_MAX = 64

/** `bytes[start..end)` as a string if every byte is ASCII (UTF-8 decoding is then the identity), else undefined. */
function asciiString(bytes: Uint8Array, start: number, end: number): string | undefined {
  let text = ''
  for (let i = start; i < end; i++) {
    const byte = bytes[i] as number
    if (byte > 0x7f) return undefined
    text += String.fromCharCode(byte)
  }
  return text
}

export class FrameReader {
  readonly #decoder: decoding.Decoder

  constructor(bytes: Uint8Array) {
    this.#decoder = decoding.createDecoder(bytes)
  }

  /** Bytes not yet read. */
  get remaining(): number {
    return this.#decoder.arr.length - this.#decoder.pos
  }

  u8(): number {
    if (this.remaining < 1) throw new WireDecodeError('truncated frame')
    return decoding.readUint8(this.#decoder)
  }

  u32(): number {
    if (this.remaining < 4) throw new WireDecodeError('truncated frame')
    return decoding.readUint32(this.#decoder)
  }

  varUint(max: number = Number.MAX_SAFE_INTEGER): number {
    let value: number
    try {
      value = decoding.readVarUint(this.#decoder)
    } catch {
      throw new WireDecodeError('truncated or overlong varint')
    }
    if (value > max) throw new WireDecodeError(`value ${value} over its bound ${max}`)
    return value
  }

  /** A length-prefixed byte string, copied so it never pins the frame's buffer. */
  bytes(maxBytes: number): Uint8Array {
    const length = this.varUint(maxBytes)
    if (length > this.remaining) throw new WireDecodeError('truncated byte string')
    return decoding.readUint8Array(this.#decoder, length).slice()
  }

  /** A length-prefixed UTF-8 string, read in place: no copy of the bytes, and nothing pinned. */
  string(maxBytes: number): string {
    const length = this.varUint(maxBytes)
    if (length > this.remaining) throw new WireDecodeError('truncated byte string')
    const { arr, pos } = this.#decoder
    this.#decoder.pos = pos + length
    if (length <= ASCII_FAST_PATH_BYTES_MAX) {
      const ascii = asciiString(arr, pos, pos + length)
      if (ascii !== undefined) return ascii
    }
    try {
      return utf8.decode(arr.subarray(pos, pos + length))
    } catch {
      throw new WireDecodeError('string is not valid UTF-8')
    }
  }

  /** Throws unless every byte was consumed: trailing garbage means a frame we do not understand. */
  end(): void {
    if (this.remaining !== 0) throw new WireDecodeError(`${this.remaining} trailing bytes`)
  }
}
