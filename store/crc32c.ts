/**
 * CRC-32C (Castagnoli), the checksum LevelDB puts on every record of its
 * write-ahead log and MANIFEST, and the mask it stores it under. Node's zlib
 * only has CRC-32 (IEEE), which is a different polynomial.
 */

/** The reflected Castagnoli polynomial. */
const POLYNOMIAL = 0x82f63b78

/** LevelDB's mask delta (util/crc32c.h, kMaskDelta). */
const MASK_DELTA = 0xa282ead8

const TABLE = (() => {
  const table = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLYNOMIAL : c >>> 1
    table[n] = c >>> 0
  }
  return table
})()

/** CRC-32C of `bytes[start, end)`. */
export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffffffff
  for (let i = start; i < end; i++) crc = (TABLE[(crc ^ (bytes[i] as number)) & 0xff] as number) ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
}

/** LevelDB's `crc32c::Mask`: rotate right by 15 bits and add a constant. */
export function maskCrc(crc: number): number {
  return (((crc >>> 15) | (crc << 17)) + MASK_DELTA) >>> 0
}

/** LevelDB's `crc32c::Unmask`, the inverse of `maskCrc`. */
export function unmaskCrc(masked: number): number {
  const rot = (masked - MASK_DELTA) >>> 0
  return ((rot >>> 17) | (rot << 15)) >>> 0
}
