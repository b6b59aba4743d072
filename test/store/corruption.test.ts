import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { levelStore, memoryLevel, memoryStore, type Store, type StoreDb } from '../../store/index.ts'
import { docRange, FORMAT_KEY } from '../../store/keys.ts'
import { encodeRecord } from '../../store/record.ts'
import type { StoredDoc, StoredUpdate } from '../../store/store.ts'
import { makeTempDir, removeTempDir } from './temp-dir.ts'

/** How one record gets damaged: a byte xor-ed with a non-zero mask, or the value cut short. */
type Damage = { kind: 'flip'; at: number; mask: number } | { kind: 'truncate'; at: number }

const DOCS = ['alpha', 'beta', 'a!log!0000000000000001', 'gamma']
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)

/** Fills a store: appends to every document, compacts two, writes metadata. */
async function fill(store: Store): Promise<void> {
  let seq = 0
  for (let round = 0; round < 4; round++) {
    for (const doc of DOCS)
      await store.append(doc, 'yjs', { dot: { origin: 'n1', seq: ++seq }, update: bytes(`${doc} ${seq}`) })
    if (round === 1) await store.compact('alpha', bytes('alpha snapshot'), { n1: seq })
    if (round === 2) await store.compact('gamma', bytes('gamma snapshot'), { n1: seq })
  }
  await store.putMeta('node-id', bytes('n1'))
  await store.putMeta('vv', bytes('{"n1":16}'))
}

function damage(value: Uint8Array, how: Damage): Uint8Array {
  if (how.kind === 'truncate') return value.slice(0, how.at % value.byteLength)
  const damaged = value.slice()
  const i = how.at % damaged.byteLength
  damaged[i] = (damaged[i] as number) ^ how.mask
  return damaged
}

/** What a case needs: an opened store over empty storage, raw access once it is closed, and a fresh store over the same data. */
interface CorruptionTarget {
  store: Store
  rawDb(): Promise<StoreDb>
  closeRaw(): Promise<void>
  reopen(): Store
}

/** Each document's log entries keyed by raw key (raw keys sort like the loaded updates), and its snapshot key. */
async function recordsByKey(db: StoreDb, loaded: Map<string, StoredDoc | undefined>) {
  const updates = new Map<string, { doc: string; update: StoredUpdate }>()
  const snapshots = new Map<string, string>()
  for (const doc of DOCS) {
    const keys = await db.keys(docRange(doc)).all()
    const logKeys = keys.filter((key) => key.includes('!log!'))
    expect(logKeys).toHaveLength(loaded.get(doc)?.updates.length ?? -1)
    for (const [i, key] of logKeys.entries()) {
      updates.set(key, { doc, update: loaded.get(doc)?.updates[i] as StoredUpdate })
    }
    for (const key of keys.filter((k) => k.endsWith('!snap'))) snapshots.set(key, doc)
  }
  return { updates, snapshots }
}

/** Damages the chosen records (never the format record, which has its own case); returns their keys. */
async function damageRecords(db: StoreDb, choices: Array<[number, Damage]>): Promise<Set<string>> {
  const keys = (await db.keys().all()).filter((key) => key !== FORMAT_KEY)
  const damaged = new Set<string>()
  for (const [pick, how] of choices) {
    const key = keys[pick % keys.length] as string
    if (damaged.has(key)) continue
    damaged.add(key)
    await db.put(key, damage((await db.get(key)) as Uint8Array, how))
  }
  return damaged
}

const damageArb = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
)

function corruptionProperty(target: () => Promise<CorruptionTarget>) {
  return fc.asyncProperty(
    fc.array(fc.tuple(fc.nat(), damageArb), { minLength: 1, maxLength: 6 }),
    async (choices) => {
      const { store, rawDb, closeRaw, reopen } = await target()
      await fill(store)
      const loaded = new Map(
        await Promise.all(DOCS.map(async (doc) => [doc, await store.load(doc)] as const)),
      )
      const meta = { 'node-id': await store.getMeta('node-id'), vv: await store.getMeta('vv') }
      await store.close()
      const db = await rawDb()
      const before = await recordsByKey(db, loaded)
      const damaged = await damageRecords(db, choices)
      await closeRaw()
      const after = reopen()
      const report = await after.open()
      expect(report.corrupt.map((c) => c.key).sort()).toEqual([...damaged].sort())
      for (const { reason } of report.corrupt) expect(reason).toMatch(/checksum|truncated|version/)
      for (const doc of DOCS) {
        const updates = [...before.updates]
          .filter(([key, u]) => u.doc === doc && !damaged.has(key))
          .map(([, u]) => u.update)
        const snapshotKey = [...before.snapshots].find(([, d]) => d === doc)?.[0]
        const reloaded = await after.load(doc)
        expect(reloaded?.updates ?? []).toEqual(updates)
        expect(reloaded?.snapshot).toEqual(
          snapshotKey && !damaged.has(snapshotKey) ? loaded.get(doc)?.snapshot : undefined,
        )
      }
      for (const [key, value] of Object.entries(meta)) {
        expect(await after.getMeta(key)).toEqual(damaged.has(`meta!${key}`) ? undefined : value)
      }
      await after.close()
    },
  )
}

describe('corrupt records', () => {
  // fast-check prints the seed and path of a failure; pass { seed, path } to fc.assert to replay it.
  it('memoryStore: damaged records are reported by key, everything intact loads', async () => {
    const target = async (): Promise<CorruptionTarget> => {
      const db = memoryLevel()
      const store = memoryStore({ db })
      await store.open()
      return {
        store,
        rawDb: async () => {
          await db.open()
          return db
        },
        closeRaw: async () => {},
        reopen: () => memoryStore({ db }),
      }
    }
    await fc.assert(corruptionProperty(target), { numRuns: 100 })
  })

  it('levelStore: damaged records are reported by key, everything intact loads', async () => {
    const dir = await makeTempDir('corruption')
    let run = 0
    const target = async (): Promise<CorruptionTarget> => {
      const path = join(dir, `run-${run++}`)
      const store = levelStore({ path })
      await store.open()
      const raw = new ClassicLevel<string, Uint8Array>(path, { keyEncoding: 'utf8', valueEncoding: 'view' })
      // Constructed now, opened later: the store holds the lock until it is closed.
      await raw.close()
      return {
        store,
        rawDb: async () => {
          await raw.open()
          return raw
        },
        closeRaw: () => raw.close(),
        reopen: () => levelStore({ path }),
      }
    }
    try {
      await fc.assert(corruptionProperty(target), { numRuns: 50 })
    } finally {
      await removeTempDir(dir)
    }
  })

  it('reports a damaged format record and still loads the rest', async () => {
    const db = memoryLevel()
    const store = memoryStore({ db })
    await store.open()
    await store.append('doc', 'yjs', { dot: { origin: 'n1', seq: 1 }, update: bytes('x') })
    await store.close()
    await db.open()
    const value = (await db.get(FORMAT_KEY)) as Uint8Array
    await db.put(FORMAT_KEY, damage(value, { kind: 'flip', at: value.byteLength - 1, mask: 1 }))
    const reopened = memoryStore({ db })
    const report = await reopened.open()
    expect(report.corrupt).toEqual([{ key: FORMAT_KEY, reason: expect.stringMatching(/checksum/) }])
    expect((await reopened.load('doc'))?.updates).toHaveLength(1)
  })

  it('a compaction deletes the damaged log entries of its document too', async () => {
    const db = memoryLevel()
    const store = memoryStore({ db })
    await store.open()
    for (let seq = 1; seq <= 3; seq++)
      await store.append('doc', 'yjs', { dot: { origin: 'n1', seq }, update: bytes(`u${seq}`) })
    await store.close()
    await db.open()
    const [damagedKey] = await db.keys(docRange('doc')).all()
    await db.put(
      damagedKey as string,
      damage((await db.get(damagedKey as string)) as Uint8Array, { kind: 'truncate', at: 3 }),
    )
    const reopened = memoryStore({ db })
    expect((await reopened.open()).corrupt.map((c) => c.key)).toEqual([damagedKey])
    await reopened.compact('doc', bytes('through 3'), { n1: 3 })
    await reopened.close()
    const again = memoryStore({ db })
    expect(await again.open()).toEqual({ corrupt: [] })
    expect(await again.load('doc')).toMatchObject({ snapshot: { bytes: bytes('through 3') }, updates: [] })
  })

  it('reports keys outside the layout', async () => {
    const db = memoryLevel()
    const store = memoryStore({ db })
    await store.open()
    await store.close()
    await db.open()
    await db.put('doc!x!stray', encodeRecord(new Uint8Array([1])))
    const report = await memoryStore({ db }).open()
    expect(report.corrupt).toEqual([{ key: 'doc!x!stray', reason: 'unrecognised key' }])
  })
})
