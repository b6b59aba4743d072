/** The stored claimed vector (src/docs/vector-meta.ts): round trip, the JSON it replaced, and what it refuses. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeVector, encodeVector, VECTOR_META_VERSION } from '../../src/docs/vector-meta.ts'
import { MetadataFormatError } from '../../src/errors.ts'

// fast-check prints the seed and path of any failure; pass { seed, path } to fc.assert to replay it.
const origin = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 20 }), fc.constant('__proto__'))
const vector = fc
  .array(fc.tuple(origin, fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER })), { maxLength: 8 })
  .map((entries) => Object.fromEntries(entries))

describe('stored version vector', () => {
  it('round-trips any vector of positive counters, behind its format byte', () => {
    fc.assert(
      fc.property(vector, (v) => {
        const bytes = encodeVector(v)
        expect(bytes[0]).toBe(VECTOR_META_VERSION)
        expect(decodeVector(bytes)).toEqual(v)
      }),
    )
  })

  it('reads the JSON an earlier release wrote', () => {
    const json = new TextEncoder().encode(JSON.stringify({ n1: 3, n2: 12, bad: -1, worse: 'x' }))
    expect(decodeVector(json)).toEqual({ n1: 3, n2: 12 })
    expect(decodeVector(undefined)).toEqual({})
  })

  it('refuses an unknown format, truncation and trailing bytes with MetadataFormatError', () => {
    const bytes = encodeVector({ n1: 300 })
    expect(() => decodeVector(new Uint8Array([VECTOR_META_VERSION + 1, ...bytes.subarray(1)]))).toThrow(
      MetadataFormatError,
    )
    for (let cut = 1; cut < bytes.length; cut++)
      expect(() => decodeVector(bytes.subarray(0, cut))).toThrow(MetadataFormatError)
    expect(() => decodeVector(new Uint8Array([...bytes, 0]))).toThrow(MetadataFormatError)
  })

  it('never throws anything but MetadataFormatError on mutated bytes', () => {
    const mutated = fc
      .tuple(vector, fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { minLength: 1, maxLength: 3 }))
      .map(([v, edits]) => {
        const bytes = encodeVector(v)
        for (const [at, value] of edits) bytes[at % bytes.length] = value
        return bytes
      })
    fc.assert(
      fc.property(mutated, (bytes) => {
        try {
          const v = decodeVector(bytes)
          expect(decodeVector(encodeVector(v))).toEqual(v)
        } catch (error) {
          expect(error).toBeInstanceOf(MetadataFormatError)
        }
      }),
      { numRuns: 2_000 },
    )
  })
})
