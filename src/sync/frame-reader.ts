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

  string(maxBytes: number): string {
    const raw = this.bytes(maxBytes)
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(raw)
    } catch {
      throw new WireDecodeError('string is not valid UTF-8')
    }
  }

  /** Throws unless every byte was consumed: trailing garbage means a frame we do not understand. */
  end(): void {
    if (this.remaining !== 0) throw new WireDecodeError(`${this.remaining} trailing bytes`)
  }
}
