import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { escapeName, logKey, metaKey, parseKey, snapKey, unescapeName } from '../../store/keys.ts'
import {
  decodeFormat,
  decodeLogEntry,
  decodeMeta,
  decodeSnapshot,
  encodeFormat,
  encodeLogEntry,
  encodeLogEntryRecord,
  encodeMeta,
  encodeSnapshot,
} from '../../store/payload.ts'
import { decodeRecord, encodeRecord, RECORD_HEADER_BYTES, RECORD_VERSION } from '../../store/record.ts'

// fast-check prints the seed and path of any failure; pass { seed, path } to fc.assert to replay it.
const anyName = fc.string({ unit: 'binary', maxLength: 40 })
const wellFormed = fc.string({ unit: 'grapheme', maxLength: 20 })
const safeCount = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })

/** `bytes` placed at an offset inside a larger buffer, as LevelDB and Buffer pools hand values out. */
function inLargerBuffer(bytes: Uint8Array, before: number): Uint8Array {
  const backing = new Uint8Array(before + bytes.byteLength + 7).fill(0xee)
  backing.set(bytes, before)
  return backing.subarray(before, before + bytes.byteLength)
}

describe('record envelope', () => {
  it('round-trips any payload, also from a view inside a larger buffer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(32), (payload, before) => {
        const record = encodeRecord(payload)
        expect(record[0]).toBe(RECORD_VERSION)
        expect(record.byteLength).toBe(payload.byteLength + RECORD_HEADER_BYTES)
        expect(decodeRecord(inLargerBuffer(record, before))).toEqual({ ok: true, payload })
      }),
    )
  })

  it('rejects any single changed byte (CRC-32 catches every burst up to 32 bits)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (payload, at, mask) => {
          const record = encodeRecord(payload)
          const i = at % record.byteLength
          record[i] = (record[i] as number) ^ mask
          expect(decodeRecord(record).ok).toBe(false)
        },
      ),
    )
  })

  it('rejects a truncated record', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.nat(), (payload, cut) => {
        const record = encodeRecord(payload)
        const decoded = decodeRecord(record.subarray(0, cut % record.byteLength))
        expect(decoded.ok).toBe(false)
      }),
    )
  })

  it('names an unknown version rather than guessing', () => {
    const record = encodeRecord(new Uint8Array([1, 2, 3]))
    record[0] = 9
    expect(decodeRecord(record)).toEqual({ ok: false, reason: 'unknown record version 9', unknownVersion: 9 })
  })
})

describe('payloads', () => {
  it('round-trip log entries', () => {
    const entry = fc.record({
      backend: wellFormed,
      dot: fc.record({ origin: wellFormed, seq: safeCount }),
      update: fc.uint8Array({ maxLength: 200 }),
    })
    fc.assert(
      fc.property(entry, (value) => {
        expect(decodeLogEntry(encodeLogEntry(value))).toEqual({ ok: true, value })
        // The append path builds the record in place: the same bytes as the envelope around the payload.
        expect(encodeLogEntryRecord(value)).toEqual(encodeRecord(encodeLogEntry(value)))
      }),
    )
  })

  it('checks a name against the bound of its use, also once it is cached', () => {
    const long = 'x'.repeat(100) // within the origin bound (256 bytes), over the backend one (64)
    const entry = { backend: 'yjs', dot: { origin: long, seq: 1 }, update: new Uint8Array() }
    expect(() => encodeLogEntryRecord(entry)).not.toThrow()
    const asBackend = { ...entry, backend: long }
    expect(() => encodeLogEntryRecord(asBackend)).toThrow(
      expect.objectContaining({ name: 'StoreLimitError' }),
    )
  })

  it('round-trip snapshots, covers with any origin ("__proto__" too)', () => {
    const covers = fc.dictionary(fc.oneof(wellFormed, fc.constant('__proto__')), safeCount, { maxKeys: 8 })
    const snapshot = fc.record({
      backend: wellFormed,
      compactedThroughSeq: safeCount,
      covers,
      bytes: fc.uint8Array({ maxLength: 200 }),
    })
    fc.assert(
      fc.property(snapshot, (value) => {
        const decoded = decodeSnapshot(encodeSnapshot(value))
        expect(decoded).toEqual({ ok: true, value })
        expect(Object.getPrototypeOf(decoded.ok && decoded.value.covers)).toBe(Object.prototype)
      }),
    )
  })

  it('round-trip metadata values and the format record', () => {
    fc.assert(
      fc.property(fc.uint8Array(), (value) => {
        expect(decodeMeta(encodeMeta(value))).toEqual({ ok: true, value })
      }),
    )
    fc.assert(
      fc.property(fc.nat(), (value) => {
        expect(decodeFormat(encodeFormat(value))).toEqual({ ok: true, value })
      }),
    )
  })

  it('decoders never throw on arbitrary bytes, and reject other kinds', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        for (const decode of [decodeLogEntry, decodeSnapshot, decodeMeta, decodeFormat])
          expect(() => decode(bytes)).not.toThrow()
      }),
    )
    expect(decodeLogEntry(encodeMeta(new Uint8Array([1]))).ok).toBe(false)
    expect(decodeSnapshot(encodeFormat(1)).ok).toBe(false)
  })

  it('refuses strings UTF-8 cannot carry unchanged', () => {
    const entry = { backend: 'yjs', dot: { origin: 'bad\uD800', seq: 1 }, update: new Uint8Array() }
    expect(() => encodeLogEntry(entry)).toThrow(expect.objectContaining({ name: 'StoreInputError' }))
  })
})

describe('keys', () => {
  it('escape round-trips any string and keeps names apart', () => {
    fc.assert(
      fc.property(anyName, anyName, (a, b) => {
        expect(unescapeName(escapeName(a))).toBe(a)
        expect(escapeName(a)).toMatch(/^[A-Za-z0-9._~%-]*$/)
        if (a !== b) expect(escapeName(a)).not.toBe(escapeName(b))
      }),
    )
  })

  it('parses what it builds', () => {
    fc.assert(
      fc.property(anyName, safeCount, (name, seq) => {
        expect(parseKey(logKey(name, seq))).toEqual({ kind: 'log', doc: name, seq })
        expect(parseKey(snapKey(name))).toEqual({ kind: 'snap', doc: name })
        expect(parseKey(metaKey(name))).toEqual({ kind: 'meta', key: name })
      }),
    )
  })

  it('sorts log keys of one document in seq order', () => {
    fc.assert(
      fc.property(anyName, safeCount, safeCount, (name, a, b) => {
        fc.pre(a < b)
        expect(logKey(name, a) < logKey(name, b)).toBe(true)
      }),
    )
  })

  it('rejects keys outside the layout', () => {
    for (const key of [
      'doc!a',
      'doc!a!log!12',
      'doc!a!b!log!0000000000000001',
      'doc!%zz!snap',
      'other',
      'meta!a!b',
    ]) {
      expect(parseKey(key)).toBeUndefined()
    }
  })
})
