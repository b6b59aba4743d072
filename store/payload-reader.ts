/**
 * A bounds-checked reader over lib0's decoder for stored payloads. lib0 trusts
 * its input (a short buffer silently yields a short subarray, a read past the
 * end yields undefined); a record may be damaged on disk, so every read here
 * checks what is left and every length and integer against its bound, and
 * throws a reason instead of guessing. (The wire has its own reader,
 * src/wire/frame-reader.ts: store/ imports nothing of src/ but the env.)
 */
import * as decoding from 'lib0/decoding'

const utf8Decoder = new TextDecoder('utf-8', { fatal: true })

/** Why a payload could not be read: its decoder turns it into `{ ok: false, reason }`. */
export class PayloadDecodeError extends Error {
  override name = 'PayloadDecodeError'
}

export class PayloadReader {
  readonly #decoder: decoding.Decoder

  constructor(payload: Uint8Array) {
    this.#decoder = decoding.createDecoder(payload)
  }

  /** Bytes not yet read. */
  get remaining(): number {
    return this.#decoder.arr.length - this.#decoder.pos
  }

  #need(n: number): void {
    if (this.remaining < n)
      throw new PayloadDecodeError(`truncated payload: needs ${n} more bytes at ${this.#decoder.pos}`)
  }

  u8(): number {
    this.#need(1)
    return decoding.readUint8(this.#decoder)
  }

  u32BigEndian(): number {
    this.#need(4)
    return decoding.readUint32BigEndian(this.#decoder)
  }

  /** A varint holding a non-negative safe integer no greater than `max`. */
  varUint(what: string, max: number = Number.MAX_SAFE_INTEGER): number {
    let value: number
    try {
      value = decoding.readVarUint(this.#decoder)
    } catch {
      throw new PayloadDecodeError(`${what}: truncated or overlong varint`)
    }
    if (!Number.isSafeInteger(value)) throw new PayloadDecodeError(`${what} is not a safe integer: ${value}`)
    if (value > max) throw new PayloadDecodeError(`${what} ${value} over its bound ${max}`)
    return value
  }

  /** `length` raw bytes, as a view into the payload. */
  raw(length: number): Uint8Array {
    this.#need(length)
    return decoding.readUint8Array(this.#decoder, length)
  }

  /** A varint byte length (at most `bytesMax`) and that many bytes of UTF-8. */
  string(what: string, bytesMax: number): string {
    const bytes = this.raw(this.varUint(`${what} length`, bytesMax))
    try {
      return utf8Decoder.decode(bytes)
    } catch {
      throw new PayloadDecodeError(`${what} is not valid UTF-8`)
    }
  }

  /** The rest of the payload, as a view into it. */
  rest(): Uint8Array {
    return this.raw(this.remaining)
  }

  /** Throws unless every byte was read. */
  end(what: string): void {
    if (this.remaining !== 0)
      throw new PayloadDecodeError(`${this.remaining} trailing bytes after the ${what}`)
  }
}
