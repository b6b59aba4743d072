/** The one non-cryptographic hash (src/env/fnv1a.ts) against FNV-1a's published 32-bit test vectors. */
import { describe, expect, it } from 'vitest'
import { FNV1A_OFFSET_BASIS, fnv1a, fnv1aText } from '../../src/env/fnv1a.ts'

describe('fnv1a', () => {
  it('matches the reference vectors', () => {
    expect(fnv1aText('')).toBe(0x811c9dc5)
    expect(fnv1aText('a')).toBe(0xe40c292c)
    expect(fnv1aText('foobar')).toBe(0xbf9cf968)
    expect(fnv1a(new Uint8Array([0x61]))).toBe(0xe40c292c)
  })

  it('hashes text as its UTF-8 bytes, and starts from a given seed', () => {
    expect(fnv1aText('é')).toBe(fnv1a(new Uint8Array([0xc3, 0xa9])))
    expect(fnv1aText('a', FNV1A_OFFSET_BASIS)).toBe(fnv1aText('a'))
    expect(fnv1aText('a', 1)).not.toBe(fnv1aText('a'))
  })
})
