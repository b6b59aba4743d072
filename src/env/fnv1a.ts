/**
 * The project's one non-cryptographic hash: 32-bit FNV-1a. Used where a
 * collision costs only time (a digest that delays a sync, a summary that
 * delays a repair) or where any well-spread function will do (deriving a
 * seed from a label). It lives in src/env because every folder may import it.
 */

/** FNV-1a's 32-bit offset basis: the starting value when no seed is given. */
export const FNV1A_OFFSET_BASIS = 0x811c9dc5
/** FNV-1a's 32-bit prime. */
const fnv1aPrime = 0x01000193

/** FNV-1a over bytes, starting from `seed` (the offset basis by default); an unsigned 32-bit result. */
export function fnv1a(bytes: Uint8Array, seed = FNV1A_OFFSET_BASIS): number {
  let h = seed >>> 0
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i] as number
    h = Math.imul(h, fnv1aPrime) >>> 0
  }
  return h >>> 0
}

const utf8 = new TextEncoder()

/** FNV-1a over a string's UTF-8 bytes. */
export function fnv1aText(text: string, seed = FNV1A_OFFSET_BASIS): number {
  return fnv1a(utf8.encode(text), seed)
}
