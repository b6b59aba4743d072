/**
 * A cursor over LevelDB's on-disk encodings (util/coding.h): fixed-width
 * little-endian integers, varints and length-prefixed slices. Reads past the
 * end throw `LevelDbDecodeError`, which callers turn into a damage report.
 */

/** The bytes do not hold what the encoding says they should. */
export class LevelDbDecodeError extends Error {
  override name = 'LevelDbDecodeError'
}

/** Varints longer than this are damage: a varint64 takes at most 10 bytes. */
const VARINT_BYTES_MAX = 10

export class LevelDbBytes {
  private readonly bytes: Uint8Array
  at = 0

  constructor(bytes: Uint8Array) {
    this.bytes = bytes
  }

  get done(): boolean {
    return this.at >= this.bytes.length
  }

  byte(): number {
    this.need(1)
    return this.bytes[this.at++] as number
  }

  /** A fixed 32-bit little-endian integer. */
  fixed32(): number {
    this.need(4)
    const b = this.bytes
    const at = this.at
    this.at += 4
    return (
      ((b[at] as number) |
        ((b[at + 1] as number) << 8) |
        ((b[at + 2] as number) << 16) |
        ((b[at + 3] as number) << 24)) >>>
      0
    )
  }

  /** A fixed 64-bit little-endian integer; LevelDB's sequence numbers use 56 bits, over 2^53 is damage. */
  fixed64(): number {
    const low = this.fixed32()
    const high = this.fixed32()
    return this.safe(high * 2 ** 32 + low)
  }

  /** A varint32 or varint64, as a safe integer. */
  varint(): number {
    let value = 0
    for (let i = 0; i < VARINT_BYTES_MAX; i++) {
      const b = this.byte()
      value += (b & 0x7f) * 2 ** (7 * i)
      if ((b & 0x80) === 0) return this.safe(value)
    }
    throw new LevelDbDecodeError('varint longer than 10 bytes')
  }

  /** A varint length, then that many bytes. */
  slice(): Uint8Array {
    const length = this.varint()
    this.need(length)
    const out = this.bytes.subarray(this.at, this.at + length)
    this.at += length
    return out
  }

  private need(n: number): void {
    if (this.at + n > this.bytes.length)
      throw new LevelDbDecodeError(`needs ${n} bytes at ${this.at}, has ${this.bytes.length - this.at}`)
  }

  private safe(value: number): number {
    if (!Number.isSafeInteger(value)) throw new LevelDbDecodeError(`integer ${value} over 2^53`)
    return value
  }
}
