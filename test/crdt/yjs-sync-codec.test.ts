import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CrdtDecodeError } from '../../crdt/errors.ts'
import {
  decodeStateVector,
  decodeYjsSavedSync,
  decodeYjsSyncMessage,
  encodeStateVector,
  encodeYjsSavedSync,
  encodeYjsSyncMessage,
  type StateVector,
  YJS_SYNC_VERSION,
  type YjsSyncMessage,
} from '../../crdt/yjs-sync-codec.ts'
import { propertyOptions } from './property-options.ts'

const FILE = 'test/crdt/yjs-sync-codec.test.ts'

const stateVector: fc.Arbitrary<StateVector> = fc
  .uniqueArray(fc.tuple(fc.nat({ max: 0xffffffff }), fc.maxSafeNat()), {
    selector: ([client]) => client,
    maxLength: 8,
  })
  .map((entries) => new Map(entries))

const message: fc.Arbitrary<YjsSyncMessage> = fc.record({
  kind: fc.constantFrom('request' as const, 'update' as const),
  stateVector,
  update: fc.option(fc.uint8Array({ minLength: 1, maxLength: 64 }), { nil: null }),
})

function expectDecodeError(read: () => unknown): void {
  expect(read).toThrow(CrdtDecodeError)
  try {
    read()
  } catch (error) {
    expect((error as Error).name).toBe('CrdtDecodeError')
  }
}

describe('yjs sync message codec', () => {
  it('round-trips every message', () => {
    fc.assert(
      fc.property(message, (m) => {
        expect(decodeYjsSyncMessage(encodeYjsSyncMessage(m))).toEqual(m)
      }),
      propertyOptions(FILE),
    )
  })

  it('starts every frame with the version byte and a type byte', () => {
    const bytes = encodeYjsSyncMessage({ kind: 'request', stateVector: new Map(), update: null })
    expect(Array.from(bytes)).toEqual([YJS_SYNC_VERSION, 1, 1, 0, 0])
  })

  it('rejects every truncation', () => {
    fc.assert(
      fc.property(message, fc.nat(), (m, cut) => {
        const bytes = encodeYjsSyncMessage(m)
        expectDecodeError(() => decodeYjsSyncMessage(bytes.subarray(0, cut % bytes.length)))
      }),
      propertyOptions(FILE),
    )
  })

  it('rejects trailing bytes, unknown versions and unknown types', () => {
    fc.assert(
      fc.property(message, fc.integer({ min: 0, max: 255 }), (m, byte) => {
        const bytes = encodeYjsSyncMessage(m)
        expectDecodeError(() => decodeYjsSyncMessage(Uint8Array.from([...bytes, byte])))
        if (byte !== YJS_SYNC_VERSION) expectDecodeError(() => decodeYjsSyncMessage(withByte(bytes, 0, byte)))
        if (byte !== 1 && byte !== 2) expectDecodeError(() => decodeYjsSyncMessage(withByte(bytes, 1, byte)))
      }),
      propertyOptions(FILE),
    )
  })

  it('either decodes a mutated frame or throws CrdtDecodeError, nothing else', () => {
    fc.assert(
      fc.property(message, fc.nat(), fc.integer({ min: 1, max: 255 }), (m, at, flip) => {
        const bytes = encodeYjsSyncMessage(m)
        const index = at % bytes.length
        const mutated = withByte(bytes, index, (bytes[index] ?? 0) ^ flip)
        try {
          decodeYjsSyncMessage(mutated)
        } catch (error) {
          expect(error).toBeInstanceOf(CrdtDecodeError)
        }
      }),
      propertyOptions(FILE),
    )
  })

  it('rejects arbitrary bytes with CrdtDecodeError or reads them as a well-formed message', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        try {
          const decoded = decodeYjsSyncMessage(bytes)
          expect(decodeYjsSyncMessage(encodeYjsSyncMessage(decoded))).toEqual(decoded)
        } catch (error) {
          expect(error).toBeInstanceOf(CrdtDecodeError)
        }
      }),
      propertyOptions(FILE),
    )
  })
})

describe('yjs state vector and saved session codec', () => {
  it('round-trips, in the layout Yjs itself reads', () => {
    fc.assert(
      fc.property(stateVector, (sv) => {
        expect(decodeStateVector(encodeStateVector(sv))).toEqual(sv)
        expect(decodeYjsSavedSync(encodeYjsSavedSync(sv))).toEqual(sv)
      }),
      propertyOptions(FILE),
    )
  })

  it('rejects a repeated client, a lying count and a message where a saved state belongs', () => {
    expectDecodeError(() => decodeStateVector(Uint8Array.from([2, 5, 1, 5, 2])))
    expectDecodeError(() => decodeStateVector(Uint8Array.from([100, 5, 1])))
    const frame = encodeYjsSyncMessage({ kind: 'update', stateVector: new Map(), update: null })
    expectDecodeError(() => decodeYjsSavedSync(frame))
    expectDecodeError(() => decodeYjsSyncMessage(encodeYjsSavedSync(new Map())))
  })

  it('refuses to encode an empty update (it would read back as none)', () => {
    expect(() =>
      encodeYjsSyncMessage({ kind: 'update', stateVector: new Map(), update: new Uint8Array(0) }),
    ).toThrow(RangeError)
  })
})

function withByte(bytes: Uint8Array, index: number, value: number): Uint8Array {
  const copy = bytes.slice()
  copy[index] = value
  return copy
}
