/** Every frame on the wire (membership's heartbeat and sync's frames) through the node's one decoder. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeFrame, encodeFrame, type Frame, WIRE_VERSION, WireDecodeError } from '../../src/node/frames.ts'
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

describe('node frames', () => {
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
})
