import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  decodeFrame,
  encodeFrame,
  type Frame,
  SUMMARIES_PER_FRAME_MAX,
  WIRE_VERSION,
  WireDecodeError,
} from '../../src/sync/wire.ts'
import { frameArbitrary } from '../support/frames.ts'

/** Decodes or rejects with WireDecodeError; anything else thrown is a bug. */
function decodeOrReject(input: Uint8Array): Frame | WireDecodeError {
  try {
    return decodeFrame(input)
  } catch (error) {
    if (error instanceof WireDecodeError) return error
    throw error
  }
}

describe('wire format', () => {
  it('round-trips every frame', () => {
    fc.assert(
      fc.property(frameArbitrary, (frame) => {
        expect(decodeFrame(encodeFrame(frame))).toEqual(frame)
      }),
      { numRuns: 500 },
    )
  })

  it('starts every frame with the version byte', () => {
    fc.assert(
      fc.property(frameArbitrary, (frame) => {
        expect(encodeFrame(frame)[0]).toBe(WIRE_VERSION)
      }),
      { numRuns: 100 },
    )
  })

  it('rejects every strict prefix of a frame', () => {
    fc.assert(
      fc.property(frameArbitrary, (frame) => {
        const encoded = encodeFrame(frame)
        for (let cut = 0; cut < encoded.length; cut++) {
          expect(decodeOrReject(encoded.subarray(0, cut))).toBeInstanceOf(WireDecodeError)
        }
      }),
      { numRuns: 200 },
    )
  })

  it('rejects trailing bytes, unknown versions and unknown types', () => {
    const frame = encodeFrame({ type: 'ack', doc: 'd', origin: 'n1', seqs: [] })
    expect(decodeOrReject(new Uint8Array([...frame, 0]))).toBeInstanceOf(WireDecodeError)
    expect(decodeOrReject(new Uint8Array([WIRE_VERSION + 1, ...frame.subarray(1)]))).toBeInstanceOf(
      WireDecodeError,
    )
    expect(decodeOrReject(new Uint8Array([WIRE_VERSION, 99]))).toBeInstanceOf(WireDecodeError)
  })

  it('never throws anything but WireDecodeError on random or mutated input', () => {
    const mutated = fc
      .tuple(
        frameArbitrary,
        fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { minLength: 1, maxLength: 4 }),
      )
      .map(([frame, edits]) => {
        const encoded = encodeFrame(frame)
        for (const [at, value] of edits) if (encoded.length > 0) encoded[at % encoded.length] = value
        return encoded
      })
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), mutated), (input) => {
        const result = decodeOrReject(input)
        if (!(result instanceof WireDecodeError)) expect(decodeFrame(encodeFrame(result))).toEqual(result)
      }),
      { numRuns: 20_000 },
    )
  })

  it('reads strings exactly as a fatal UTF-8 TextDecoder does, on both sides of the ASCII fast path', () => {
    const native = new TextDecoder('utf-8', { fatal: true })
    // Mostly ASCII, sometimes a byte over 0x7f: valid multi-byte sequences, broken ones, a BOM.
    const byte = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 0x7f }) }, fc.nat({ max: 255 }))
    const raw = fc.oneof(
      fc.array(byte, { maxLength: 130 }).map((b) => Uint8Array.from(b)),
      fc.string({ unit: 'grapheme', maxLength: 80 }).map((s) => new TextEncoder().encode(s)),
    )
    fc.assert(
      fc.property(raw, (bytes) => {
        // An ack frame naming `bytes` as its document, an empty origin and no seqs.
        const frame = Uint8Array.from([WIRE_VERSION, 5, ...varUint(bytes.length), ...bytes, 0, 0])
        let expected: string | undefined
        try {
          expected = native.decode(bytes)
        } catch {
          expected = undefined
        }
        const result = decodeOrReject(frame)
        if (expected === undefined || bytes.length > 512) expect(result).toBeInstanceOf(WireDecodeError)
        else expect(result).toEqual({ type: 'ack', doc: expected, origin: '', seqs: [] })
      }),
      { numRuns: 5_000 },
    )
  })

  it('writes strings as UTF-8 whatever their length or script', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 100 }), (doc) => {
        const encoded = encodeFrame({ type: 'ack', doc, origin: '', seqs: [] })
        const utf8 = new TextEncoder().encode(doc)
        expect([...encoded]).toEqual([WIRE_VERSION, 5, ...varUint(utf8.length), ...utf8, 0, 0])
      }),
      { numRuns: 2_000 },
    )
  })

  it('refuses to encode, and rejects on decoding, more summaries than a frame may carry', () => {
    const docs = Array.from({ length: SUMMARIES_PER_FRAME_MAX + 1 }, (_, i) => ({
      name: `d${i}`,
      backend: 'yjs',
      hash: i,
    }))
    expect(() => encodeFrame({ type: 'summaries', from: '', to: '', docs })).toThrow(RangeError)
    const full = encodeFrame({ type: 'summaries', from: '', to: '', docs: docs.slice(1) })
    expect(decodeFrame(full)).toMatchObject({ type: 'summaries', docs: docs.slice(1) })
    // Hand-made: the same frame claiming one summary more than the bound.
    const hostile = new Uint8Array([WIRE_VERSION, 6, 0, 0, ...varUint(SUMMARIES_PER_FRAME_MAX + 1)])
    expect(decodeOrReject(hostile)).toBeInstanceOf(WireDecodeError)
  })

  it('rejects a version-1 heartbeat (no content digest) instead of misreading it', () => {
    const v2 = encodeFrame({ type: 'heartbeat', seq: 1, digest: 7, contentDigest: 9, members: [], reach: [] })
    // Version 1 had no content digest: the same frame without those 4 bytes, under version 1.
    const v1 = new Uint8Array([1, ...v2.subarray(1, 7), ...v2.subarray(11)])
    expect(decodeOrReject(v1)).toBeInstanceOf(WireDecodeError)
  })

  it('rejects a length prefix larger than the frame without allocating it', () => {
    // type sync, doc name claims 2^40 bytes
    const hostile = new Uint8Array([WIRE_VERSION, 3, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20])
    expect(decodeOrReject(hostile)).toBeInstanceOf(WireDecodeError)
  })
})

/** lib0's unsigned varint: 7 bits a byte, low first, high bit set on all but the last. */
function varUint(n: number): number[] {
  const out: number[] = []
  while (n > 0x7f) {
    out.push(0x80 | (n & 0x7f))
    n = Math.floor(n / 128)
  }
  out.push(n)
  return out
}
