/** Membership's frame (src/membership/heartbeat-frame.ts): round trip, bounds, and what it refuses. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  decodeHeartbeatFrame,
  encodeHeartbeatFrame,
  type HeartbeatFrame,
  MEMBERS_MAX,
} from '../../src/membership/heartbeat-frame.ts'
import { WIRE_VERSION, WireDecodeError } from '../../src/wire/envelope.ts'
import { frameArbitrary } from '../support/frames.ts'

const heartbeatArbitrary = frameArbitrary.filter(
  (frame): frame is HeartbeatFrame => frame.type === 'heartbeat',
)

function decodeOrReject(input: Uint8Array): HeartbeatFrame | WireDecodeError {
  try {
    return decodeHeartbeatFrame(input)
  } catch (error) {
    if (error instanceof WireDecodeError) return error
    throw error
  }
}

describe('heartbeat frame', () => {
  it('round-trips every heartbeat and rejects each of its strict prefixes', () => {
    fc.assert(
      fc.property(heartbeatArbitrary, (frame) => {
        const encoded = encodeHeartbeatFrame(frame)
        expect(encoded[0]).toBe(WIRE_VERSION)
        expect(decodeHeartbeatFrame(encoded)).toEqual(frame)
        for (let cut = 0; cut < encoded.length; cut++)
          expect(decodeOrReject(encoded.subarray(0, cut))).toBeInstanceOf(WireDecodeError)
      }),
      { numRuns: 200 },
    )
  })

  it('never throws anything but WireDecodeError on mutated heartbeats', () => {
    const mutated = fc
      .tuple(
        heartbeatArbitrary,
        fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { minLength: 1, maxLength: 4 }),
      )
      .map(([frame, edits]) => {
        const encoded = encodeHeartbeatFrame(frame)
        for (const [at, value] of edits) encoded[at % encoded.length] = value
        return encoded
      })
    fc.assert(
      fc.property(mutated, (input) => {
        const result = decodeOrReject(input)
        if (!(result instanceof WireDecodeError))
          expect(decodeHeartbeatFrame(encodeHeartbeatFrame(result))).toEqual(result)
      }),
      { numRuns: 5_000 },
    )
  })

  it('rejects a version-1 heartbeat (no content digest) instead of misreading it', () => {
    const v2 = encodeHeartbeatFrame({
      type: 'heartbeat',
      seq: 1,
      digest: 7,
      contentDigest: 9,
      members: [],
      reach: [],
    })
    // Version 1 had no content digest: the same frame without those 4 bytes, under version 1.
    const v1 = new Uint8Array([1, ...v2.subarray(1, 7), ...v2.subarray(11)])
    expect(decodeOrReject(v1)).toBeInstanceOf(WireDecodeError)
  })

  it('rejects a sync frame and a member count over its bound', () => {
    // An ack (type 5): not membership's.
    expect(decodeOrReject(new Uint8Array([WIRE_VERSION, 5, 0, 0, 0]))).toBeInstanceOf(WireDecodeError)
    // seq 0, digests 0, then MEMBERS_MAX + 1 members claimed.
    const over = MEMBERS_MAX + 1
    const hostile = new Uint8Array([
      WIRE_VERSION,
      1,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0x80 | (over & 0x7f),
      over >> 7,
    ])
    expect(decodeOrReject(hostile)).toBeInstanceOf(WireDecodeError)
  })
})
