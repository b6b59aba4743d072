/** The stored membership (src/membership/known-members.ts): round trip, the JSON forms it replaced, and what it refuses. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MetadataFormatError } from '../../src/errors.ts'
import {
  decodeMembership,
  encodeKnownMembers,
  KNOWN_MEMBERS_VERSION,
} from '../../src/membership/known-members.ts'

// fast-check prints the seed and path of any failure; pass { seed, path } to fc.assert to replay it.
const name = fc.string({ unit: 'grapheme', maxLength: 16 })
const members = fc.array(fc.record({ id: name, addresses: fc.array(name, { maxLength: 3 }) }), {
  maxLength: 6,
})
const forgotten = fc.array(name, { maxLength: 4 })
const text = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value))

describe('stored membership', () => {
  it('round-trips members and forgotten ids, behind its format byte', () => {
    fc.assert(
      fc.property(members, forgotten, (m, f) => {
        const bytes = encodeKnownMembers(m, f)
        expect(bytes[0]).toBe(KNOWN_MEMBERS_VERSION)
        expect(decodeMembership(bytes)).toEqual({ members: m, forgotten: f })
      }),
    )
  })

  it('reads the three JSON forms earlier releases wrote', () => {
    const m = [{ id: 'n1', addresses: ['/ip4/127.0.0.1/tcp/1'] }]
    expect(decodeMembership(text({ members: m, forgotten: ['n9'] }))).toEqual({
      members: m,
      forgotten: ['n9'],
    })
    expect(decodeMembership(text(m))).toEqual({ members: m, forgotten: [] })
    expect(decodeMembership(text(['n1', 'n2']))).toEqual({
      members: [
        { id: 'n1', addresses: [] },
        { id: 'n2', addresses: [] },
      ],
      forgotten: [],
    })
    expect(decodeMembership(undefined)).toEqual({ members: [], forgotten: [] })
  })

  it('refuses an unknown format, truncation and trailing bytes with MetadataFormatError', () => {
    const bytes = encodeKnownMembers([{ id: 'n1', addresses: ['a'] }], ['n2'])
    expect(() => decodeMembership(new Uint8Array([9, ...bytes.subarray(1)]))).toThrow(MetadataFormatError)
    for (let cut = 1; cut < bytes.length; cut++)
      expect(() => decodeMembership(bytes.subarray(0, cut))).toThrow(MetadataFormatError)
    expect(() => decodeMembership(new Uint8Array([...bytes, 0]))).toThrow(MetadataFormatError)
  })

  it('never throws anything but MetadataFormatError on mutated bytes', () => {
    const mutated = fc
      .tuple(
        members,
        forgotten,
        fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { minLength: 1, maxLength: 3 }),
      )
      .map(([m, f, edits]) => {
        const bytes = encodeKnownMembers(m, f)
        for (const [at, value] of edits) bytes[at % bytes.length] = value
        return bytes
      })
    fc.assert(
      fc.property(mutated, (bytes) => {
        try {
          const stored = decodeMembership(bytes)
          expect(decodeMembership(encodeKnownMembers(stored.members, stored.forgotten))).toEqual(stored)
        } catch (error) {
          expect(error).toBeInstanceOf(MetadataFormatError)
        }
      }),
      { numRuns: 2_000 },
    )
  })
})
