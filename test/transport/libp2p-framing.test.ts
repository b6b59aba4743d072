/**
 * The frame codec on its own: round trips under any chunking, and the
 * decoder's refusals (over the bound, a prefix that never ends, a padded
 * prefix) with no partial frame ever handed out.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  encodeFrame,
  encodeLengthPrefix,
  FrameDecoder,
  type FrameError,
  LENGTH_PREFIX_BYTES_MAX,
} from '../../transport/libp2p-framing.ts'
import { propertyOptions } from '../crdt/property-options.ts'

const file = 'test/transport/libp2p-framing.test.ts'

/** Cuts `bytes` at the given points (taken modulo its length, sorted). */
function cut(bytes: Uint8Array, points: number[]): Uint8Array[] {
  const at = [...new Set(points.map((p) => (bytes.byteLength === 0 ? 0 : p % (bytes.byteLength + 1))))].sort(
    (x, y) => x - y,
  )
  const chunks: Uint8Array[] = []
  let start = 0
  for (const end of [...at, bytes.byteLength]) {
    chunks.push(bytes.subarray(start, end))
    start = end
  }
  return chunks
}

function decodeAll(
  decoder: FrameDecoder,
  chunks: Uint8Array[],
): { frames: Uint8Array[]; error?: FrameError } {
  const frames: Uint8Array[] = []
  for (const chunk of chunks) {
    const error = decoder.push(chunk, (frame) => frames.push(frame))
    if (error !== undefined) return { frames, error }
  }
  return { frames }
}

function concat(parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(parts.flatMap((part) => [...part]))
}

describe('libp2p frame codec', () => {
  it('round-trips any frames under any chunking, 0-byte frames included', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 600 }), { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (frames, points) => {
          const wire = concat(frames.map(encodeFrame))
          const { frames: got, error } = decodeAll(new FrameDecoder(1024), cut(wire, points))
          expect(error).toBeUndefined()
          expect(got).toEqual(frames)
        },
      ),
      propertyOptions(file),
    )
  })

  it('encodes lengths as minimal LEB128 varints', () => {
    expect([...encodeLengthPrefix(0)]).toEqual([0])
    expect([...encodeLengthPrefix(127)]).toEqual([127])
    expect([...encodeLengthPrefix(128)]).toEqual([0x80, 0x01])
    expect([...encodeLengthPrefix(300)]).toEqual([0xac, 0x02])
    expect(encodeLengthPrefix(2 ** 30).byteLength).toBeLessThanOrEqual(LENGTH_PREFIX_BYTES_MAX)
    expect(() => encodeLengthPrefix(-1)).toThrow(RangeError)
  })

  it('accepts a frame of exactly the bound and refuses one byte more, before reading its body', () => {
    const atBound = decodeAll(new FrameDecoder(300), [encodeFrame(new Uint8Array(300))])
    expect(atBound.frames.length).toBe(1)
    const over = decodeAll(new FrameDecoder(300), [encodeLengthPrefix(301)])
    expect(over.error?.reason).toBe('oversize')
  })

  it('refuses a prefix that never ends and a padded prefix, keeping only the frames before them', () => {
    const good = encodeFrame(new Uint8Array([5, 6]))
    const endless = decodeAll(new FrameDecoder(1024), [
      good,
      new Uint8Array(LENGTH_PREFIX_BYTES_MAX).fill(0x80),
    ])
    expect(endless.frames).toEqual([new Uint8Array([5, 6])])
    expect(endless.error?.reason).toBe('malformed')
    const padded = decodeAll(new FrameDecoder(1024), [new Uint8Array([0x85, 0x00])])
    expect(padded.error?.reason).toBe('malformed')
  })

  it('never hands out a partial frame, and holds no more than the bound plus a prefix', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 2000 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (junk, points) => {
          const bound = 256
          const decoder = new FrameDecoder(bound)
          const { frames, error } = decodeAll(decoder, cut(junk, points))
          // Whatever came out was framed exactly: re-encoding it gives a prefix of the input.
          const framed = concat(frames.map(encodeFrame))
          expect(junk.subarray(0, framed.byteLength)).toEqual(framed)
          for (const frame of frames) expect(frame.byteLength).toBeLessThanOrEqual(bound)
          if (error === undefined)
            expect(decoder.bufferedBytes).toBeLessThanOrEqual(bound + LENGTH_PREFIX_BYTES_MAX)
        },
      ),
      propertyOptions(file),
    )
  })

  it('stays failed after an error', () => {
    const decoder = new FrameDecoder(10)
    expect(decoder.push(encodeLengthPrefix(11), () => {})?.reason).toBe('oversize')
    const frames: Uint8Array[] = []
    expect(decoder.push(encodeFrame(new Uint8Array(1)), (f) => frames.push(f))?.reason).toBe('oversize')
    expect(frames).toEqual([])
  })
})
