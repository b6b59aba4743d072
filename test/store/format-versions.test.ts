/**
 * Stores written by an older format open and read as they were written
 * (format 2: big-endian payloads, before lib0), and one from a newer format
 * is refused naming its version. The format-2 bytes are a fixture written by
 * the format-2 code itself (fixtures/format-2-store.json), not re-encoded here.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { memoryLevel, memoryStore, STORE_FORMAT_VERSION, StoreFormatError } from '../../store/index.ts'
import { FORMAT_KEY } from '../../store/keys.ts'
import {
  decodeFormat,
  decodeHighWater,
  decodeLogEntry,
  decodeMeta,
  decodeSnapshot,
  encodeFormat,
} from '../../store/payload.ts'
import { decodeRecord, encodeRecord } from '../../store/record.ts'

interface Fixture {
  records: Array<[string, string]>
  payloads: { log: string; snapshot: string; highWater: string; meta: string }
}

const fixture = JSON.parse(
  readFileSync(join(import.meta.dirname, 'fixtures', 'format-2-store.json'), 'utf8'),
) as Fixture
const fromHex = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex, 'hex'))
const text = (t: string): Uint8Array => new TextEncoder().encode(t)

/** A memory-level database holding exactly the fixture's records. */
async function format2Db() {
  const db = memoryLevel()
  await db.open()
  await db.batch(
    fixture.records.map(([key, value]) => ({ type: 'put' as const, key, value: fromHex(value) })),
  )
  await db.close()
  return db
}

async function storedFormat(db: ReturnType<typeof memoryLevel>): Promise<number> {
  await db.open()
  const value = await db.get(FORMAT_KEY)
  await db.close()
  const record = decodeRecord(value as Uint8Array)
  if (!record.ok) throw new Error(record.reason)
  const format = decodeFormat(record.payload)
  if (!format.ok) throw new Error(format.reason)
  return format.value
}

describe('store format versions', () => {
  it('the fixture is a format-2 store and this release writes format 3', async () => {
    expect(STORE_FORMAT_VERSION).toBe(3)
    expect(await storedFormat(await format2Db())).toBe(2)
  })

  it('opens a format-2 store and reads every document as it was written, then marks it format 3', async () => {
    const db = await format2Db()
    const store = memoryStore({ db })
    expect(await store.open()).toEqual({ corrupt: [] })
    expect(await store.docs()).toEqual(['notes', 'plan'])
    expect(await store.load('plan')).toEqual({
      name: 'plan',
      backend: 'yjs',
      updates: [
        { dot: { origin: 'n1', seq: 1 }, update: text('one') },
        { dot: { origin: 'n1', seq: 2 }, update: text('two') },
        { dot: { origin: 'n2', seq: 7 }, update: text('from n2') },
      ],
      highWater: { n1: 2, n2: 7 },
      damagedRecords: 0,
    })
    expect(await store.load('notes')).toEqual({
      name: 'notes',
      backend: 'automerge',
      snapshot: { bytes: text('snapshot-bytes'), covers: { n1: 3, 'né😀': 2 ** 40 } },
      updates: [{ dot: { origin: 'n1', seq: 4 }, update: text('after snapshot') }],
      highWater: { n1: 4, 'né😀': 2 ** 40 },
      damagedRecords: 0,
    })
    expect(await store.getMeta('node-id')).toEqual(text('n1'))
    await store.close()
    expect(await storedFormat(db)).toBe(3)
  })

  it('opens a format-1 store (format 2 without high-water records) and reads its documents', async () => {
    const db = memoryLevel()
    await db.open()
    const format1 = fixture.records.filter(([key]) => !key.endsWith('!hw'))
    await db.batch(format1.map(([key, value]) => ({ type: 'put' as const, key, value: fromHex(value) })))
    await db.put(FORMAT_KEY, encodeRecord(encodeFormat(1)))
    await db.close()
    const store = memoryStore({ db })
    expect(await store.open()).toEqual({ corrupt: [] })
    const plan = await store.load('plan')
    expect(plan?.updates.map((u) => [u.dot.origin, u.dot.seq, new TextDecoder().decode(u.update)])).toEqual([
      ['n1', 1, 'one'],
      ['n1', 2, 'two'],
      ['n2', 7, 'from n2'],
    ])
    expect((await store.load('notes'))?.snapshot?.covers).toEqual({ n1: 3, 'né😀': 2 ** 40 })
    await store.close()
    expect(await storedFormat(db)).toBe(3)
  })

  it('keeps reading the format-2 records beside format-3 ones written after the upgrade', async () => {
    const db = await format2Db()
    const store = memoryStore({ db })
    await store.open()
    await store.append('plan', 'yjs', { dot: { origin: 'n1', seq: 3 }, update: text('three') })
    await store.close()
    const reopened = memoryStore({ db })
    expect(await reopened.open()).toEqual({ corrupt: [] })
    const plan = await reopened.load('plan')
    expect(plan?.updates.map((u) => [u.dot.origin, u.dot.seq])).toEqual([
      ['n1', 1],
      ['n1', 2],
      ['n2', 7],
      ['n1', 3],
    ])
    expect(plan?.highWater).toEqual({ n1: 3, n2: 7 })
    await reopened.close()
  })

  it('decodes single format-2 payloads through the same decoders', () => {
    const { log, snapshot, highWater, meta } = fixture.payloads
    expect(decodeLogEntry(fromHex(log))).toEqual({
      ok: true,
      value: { backend: 'yjs', dot: { origin: 'né', seq: 2 ** 52 }, update: text('u') },
    })
    expect(decodeSnapshot(fromHex(snapshot))).toEqual({
      ok: true,
      value: { backend: 'automerge', compactedThroughSeq: 9, covers: { a: 1, b: 2 }, bytes: text('snap') },
    })
    expect(decodeHighWater(fromHex(highWater))).toEqual({ ok: true, value: { a: 1 } })
    expect(decodeMeta(fromHex(meta))).toEqual({ ok: true, value: text('m') })
    // A format-2 payload is never read as another kind.
    expect(decodeSnapshot(fromHex(log)).ok).toBe(false)
    expect(decodeLogEntry(fromHex(highWater)).ok).toBe(false)
  })

  it('refuses a store from a newer format with StoreFormatError naming its version', async () => {
    const db = await format2Db()
    await db.open()
    await db.put(FORMAT_KEY, encodeRecord(encodeFormat(STORE_FORMAT_VERSION + 1)))
    await db.close()
    const attempt = memoryStore({ db }).open()
    await expect(attempt).rejects.toBeInstanceOf(StoreFormatError)
    await expect(memoryStore({ db }).open()).rejects.toThrow(
      /format version 4; this release reads versions 1, 2, 3/,
    )
  })
})
