/** Sync's frames (src/sync/wire.ts): its codec alone, strings, and its bounds. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  decodeSyncFrame,
  encodeSyncFrame,
  type Frame,
  SUMMARIES_PER_FRAME_MAX,
  WireDecodeError,
} from '../../src/sync/wire.ts'
import { WIRE_VERSION } from '../../src/wire/envelope.ts'
import { frameArbitrary } from '../support/frames.ts'

const syncFrameArbitrary = frameArbitrary.filter((frame): frame is Frame => frame.type !== 'heartbeat')

/** Decodes or rejects with WireDecodeError; anything else thrown is a bug. */
function decodeOrReject(input: Uint8Array): Frame | WireDecodeError {
  try {
    return decodeSyncFrame(input)
  } catch (error) {
    if (error instanceof WireDecodeError) return error
    throw error
  }
}

describe('sync frames', () => {
  it('round-trips every sync frame on its own codec', () => {
    fc.assert(
      fc.property(syncFrameArbitrary, (frame) => {
        expect(decodeSyncFrame(encodeSyncFrame(frame))).toEqual(frame)
      }),
      { numRuns: 300 },
    )
  })

  it("rejects a heartbeat (type 1, membership's) instead of reading it", () => {
    expect(decodeOrReject(new Uint8Array([WIRE_VERSION, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]))).toBeInstanceOf(
      WireDecodeError,
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
        const encoded = encodeSyncFrame({ type: 'ack', doc, origin: '', seqs: [] })
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
    expect(() => encodeSyncFrame({ type: 'summaries', from: '', to: '', docs })).toThrow(RangeError)
    const full = encodeSyncFrame({ type: 'summaries', from: '', to: '', docs: docs.slice(1) })
    expect(decodeSyncFrame(full)).toMatchObject({ type: 'summaries', docs: docs.slice(1) })
    // Hand-made: the same frame claiming one summary more than the bound.
    const hostile = new Uint8Array([WIRE_VERSION, 6, 0, 0, ...varUint(SUMMARIES_PER_FRAME_MAX + 1)])
    expect(decodeOrReject(hostile)).toBeInstanceOf(WireDecodeError)
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
