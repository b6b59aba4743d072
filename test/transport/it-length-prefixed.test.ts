/**
 * Our frames against `it-length-prefixed` (the framing that ships with
 * libp2p): the same bytes on the wire, so any libp2p peer that reads
 * length-prefixed streams reads ours; and the one case that keeps its decoder
 * out of transport/libp2p-framing.ts, pinned so that a release which fixes it
 * fails this test and says to adopt it.
 */
import fc from 'fast-check'
import * as lp from 'it-length-prefixed'
import { describe, expect, it } from 'vitest'
import { encodeFrame, FrameDecoder, type FrameError } from '../../transport/libp2p-framing.ts'

const bytes = (list: Iterable<{ subarray(): Uint8Array }>): number[][] =>
  [...list].map((f) => [...f.subarray()])

describe('our framing and it-length-prefixed', () => {
  it('write the same bytes, and read each other', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 400 }), { maxLength: 8 }), (frames) => {
        for (const frame of frames)
          expect([...encodeFrame(frame)]).toEqual([...lp.encode.single(frame).subarray()])
        const stream = frames.map((f) => encodeFrame(f))
        expect(bytes(lp.decode(stream))).toEqual(frames.map((f) => [...f]))
      }),
      { numRuns: 300 },
    )
  })

  it('differ on a padded (non-minimal) length prefix: it-length-prefixed guesses a boundary, we refuse', () => {
    // `80 00` is a padded varint for 0, then `01 05` a 1-byte frame: a peer that pads lengths is broken or
    // hostile, and no reading of the rest can be trusted.
    const padded = new Uint8Array([0x80, 0x00, 0x01, 0x05])
    const theirs = bytes(lp.decode([padded]))
    // If this fails, it-length-prefixed now refuses padded prefixes: use its decoder in libp2p-framing.ts.
    expect(theirs).toEqual([[], [], [5]])
    const ours: Uint8Array[] = []
    const error: FrameError | undefined = new FrameDecoder(1024).push(padded, (frame) => ours.push(frame))
    expect(ours).toEqual([])
    expect(error?.reason).toBe('malformed')
  })
})
