/**
 * Named regressions of issue 7's store defects, at the level that owns them
 * (DocRegistry + DocReplica + DocLog over a real memory-level store):
 *
 * 1. dots reused after compaction + restart: compaction computed `covers`
 *    before the dot of the append that triggered it was recorded, then
 *    deleted that record; after a restart the node issued those seqs again;
 * 2. a failed append stranded every later write: the seq was never given
 *    back and later writes were acknowledged but never forwarded;
 * 3. a skipped corrupt record left the node claiming it (the metadata vector
 *    was merged back on load).
 */
import { describe, expect, it } from 'vitest'
import { DocRegistry } from '../../src/docs/doc-registry.ts'
import type { DocReplica, DocReplicaHooks } from '../../src/docs/doc-replica.ts'
import type { DocDamage } from '../../src/docs/restore-claims.ts'
import { parseKey } from '../../store/keys.ts'
import { memoryLevel, memoryStore } from '../../store/memory-store.ts'
import type { Dot, Store } from '../../store/store.ts'
import { backendFactory, hooks, testEnv } from './doc-fixtures.ts'

type Backend = 'yjs' | 'automerge'

/** Sets `key` to `value` in the document, whichever its backend. */
function write(replica: DocReplica, key: string, value: string): Promise<Dot | undefined> {
  return replica.change((doc) => {
    if (replica.backendName === 'yjs') (doc as import('yjs').Doc).getMap('kv').set(key, value)
    else (doc as Record<string, string>)[key] = value
  })
}

function kvOf(replica: DocReplica): Record<string, string> {
  const value = replica.backend.value() as Record<string, unknown>
  return (replica.backendName === 'yjs' ? value.kv : value) as Record<string, string>
}

async function open(store: Store, self: string, extra: Partial<DocReplicaHooks> = {}) {
  await store.open()
  const { env } = testEnv(7)
  const damage: DocDamage[] = []
  const docs = new DocRegistry({
    env,
    store,
    self,
    hooks: { ...hooks, ...extra },
    createBackend: backendFactory,
    onDamage: (d) => damage.push(d),
  })
  return { docs, damage }
}

describe.each(['yjs', 'automerge'] as const)('%s: durable dots', (backend: Backend) => {
  it('regression 1: compaction + restart never reissues a dot (the vector comes back whole)', async () => {
    const db = memoryLevel()
    // Tiny thresholds: the log compacts every few writes, so the triggering append is often the last one.
    const options = { db, compactCount: 3, compactBytes: 64, compactSnapshotRatio: 0.01 }
    const store = memoryStore(options)
    const { docs } = await open(store, 'n1')
    const replica = await docs.replica('doc', backend)
    const writes = 41
    for (let i = 1; i <= writes; i++) await write(replica, `k${i}`, `v${i}`)
    await replica.flush()
    expect(replica.vector).toEqual({ n1: writes })
    await store.close()

    const again = memoryStore(options)
    const { docs: docs2 } = await open(again, 'n1')
    const reloaded = await docs2.replica('doc', backend)
    expect(reloaded.vector).toEqual({ n1: writes })
    expect(Object.keys(kvOf(reloaded))).toHaveLength(writes)
    const next = await write(reloaded, 'after', 'restart')
    expect(next).toEqual({ origin: 'n1', seq: writes + 1 })
    await again.close()
  })

  it('regression 2: after a failed append the node writes and forwards again, in order, and the failed write is retried, not half there', async () => {
    const inner = memoryStore()
    let failNext = 0
    const store: Store = {
      ...inner,
      open: () => inner.open(),
      close: () => inner.close(),
      load: (doc) => inner.load(doc),
      docs: () => inner.docs(),
      getMeta: (key) => inner.getMeta(key),
      putMeta: (key, value) => inner.putMeta(key, value),
      compact: (doc, snapshot, covers) => inner.compact(doc, snapshot, covers),
      append: (doc, b, entries) => {
        if (failNext > 0) {
          failNext--
          return Promise.reject(new Error('injected: disk full'))
        }
        return inner.append(doc, b, entries)
      },
    }
    const forwarded: number[] = []
    const failures: unknown[] = []
    const { docs } = await open(store, 'n1', {
      localDurable: (_replica, dot) => forwarded.push(dot.seq),
      storeFailed: (_replica, error) => failures.push(error),
    })
    const replica = await docs.replica('doc', backend)
    await write(replica, 'a', '1')
    failNext = 1
    await expect(write(replica, 'b', '2')).rejects.toThrow('injected: disk full')
    expect(failures).toHaveLength(1)
    // Not durable, so neither claimed nor forwarded yet.
    expect(replica.vector).toEqual({ n1: 1 })
    expect(forwarded).toEqual([1])
    // The next write goes through and carries the failed one with it, first.
    expect(await write(replica, 'c', '3')).toEqual({ origin: 'n1', seq: 3 })
    expect(forwarded).toEqual([1, 2, 3])
    expect(replica.vector).toEqual({ n1: 3 })
    expect(replica.unsettledWrites).toBe(0)
    const stored = await inner.load('doc')
    expect(stored?.updates.map((u) => u.dot.seq)).toEqual([1, 2, 3])
    await inner.close()
  })
})

describe.each(['yjs', 'automerge'] as const)('%s: damaged records', (backend: Backend) => {
  it('regression 3: a corrupt record withdraws the claim, reports what is missing, and keeps the own seq', async () => {
    const db = memoryLevel()
    const writer = memoryStore({ db })
    const { docs } = await open(writer, 'n1')
    const replica = await docs.replica('doc', backend)
    for (let i = 1; i <= 5; i++) await write(replica, `k${i}`, `v${i}`)
    // A claim from a sync exchange, as metadata: it must not survive the damage either.
    await writer.putMeta('vector/doc', new TextEncoder().encode(JSON.stringify({ n1: 5, n2: 9 })))
    await writer.close()

    // Rot one log record (the third write) while the node is down.
    let rotted = 0
    await db.open()
    for await (const [key, value] of db.iterator()) {
      const parsed = parseKey(key)
      if (parsed?.kind === 'log' && rotted++ === 2) {
        const bad = value.slice()
        bad[bad.length - 1] = (bad[bad.length - 1] ?? 0) ^ 0xff
        await db.put(key, bad)
      }
    }
    await db.close()

    const reader = memoryStore({ db })
    const { docs: docs2, damage } = await open(reader, 'n1')
    const reloaded = await docs2.replica('doc', backend)
    // 4 and 5 wait on the lost 3, so nothing of the log is vouched for until peers fill it in; never n2's claim.
    expect(reloaded.vector).toEqual({})
    expect(Object.keys(kvOf(reloaded)).sort()).toEqual(['k1', 'k2'])
    expect(damage).toEqual([
      expect.objectContaining({ doc: 'doc', damagedRecords: 1, missing: { n1: 1, n2: 9 } }),
    ])
    // The next own dot is above everything ever issued.
    expect(await write(reloaded, 'next', 'x')).toEqual({ origin: 'n1', seq: 6 })
    await reader.close()
  })
})

describe.each(['yjs', 'automerge'] as const)(
  '%s: a document whose only record rotted',
  (backend: Backend) => {
    it('regression (task-storage-faults seed 171): is reported damaged and keeps its own seq, not taken for a new document', async () => {
      const db = memoryLevel()
      // Compacts every 2 writes: after 4, the document is one snapshot and its high-water mark.
      const options = { db, compactCount: 2, compactBytes: 1, compactSnapshotRatio: 0.01 }
      const writer = memoryStore(options)
      const { docs } = await open(writer, 'n1')
      const replica = await docs.replica('doc', backend)
      for (let i = 1; i <= 4; i++) await write(replica, `k${i}`, `v${i}`)
      await replica.flush()
      await writer.close()

      // Rot the snapshot while the node is down (peers hold its content: the simulator's rule).
      await db.open()
      const kinds: string[] = []
      for await (const [key, value] of db.iterator()) {
        const kind = parseKey(key)?.kind
        if (kind !== undefined) kinds.push(kind)
        if (kind === 'snap') {
          const bad = value.slice()
          bad[bad.length - 1] = (bad[bad.length - 1] ?? 0) ^ 0xff
          await db.put(key, bad)
        }
      }
      await db.close()
      expect(kinds.filter((k) => k === 'log')).toEqual([])
      expect(kinds).toContain('snap')

      const reader = memoryStore(options)
      const { docs: docs2, damage } = await open(reader, 'n1')
      const reloaded = await docs2.replica('doc', backend)
      expect(damage).toEqual([expect.objectContaining({ doc: 'doc', damagedRecords: 1, missing: { n1: 4 } })])
      // Before: the store said "no such document", so dot n1:1 was issued again (peers hold the old n1:1, and
      // their vectors then counted them as holders of the new one: a `replicas: 2` write acked with one copy).
      expect(await write(reloaded, 'next', 'x')).toEqual({ origin: 'n1', seq: 5 })
      await reader.close()
    })
  },
)

describe.each(['yjs', 'automerge'] as const)('%s: a lost own write', (backend: Backend) => {
  it('regression (task-storage-faults seed 98): a torn last write of its own is filled with an empty dot, forwarded, so no node waits on the gap forever', async () => {
    const db = memoryLevel()
    const writer = memoryStore({ db })
    const { docs } = await open(writer, 'n1')
    const replica = await docs.replica('doc', backend)
    for (let i = 1; i <= 3; i++) await write(replica, `k${i}`, `v${i}`)
    await writer.close()
    // The last write's record comes back torn (a power loss mid-write); the high-water mark still says 3.
    await db.open()
    let last: [string, Uint8Array] | undefined
    for await (const [key, value] of db.iterator()) if (parseKey(key)?.kind === 'log') last = [key, value]
    const [key, value] = last as [string, Uint8Array]
    await db.put(key, value.slice(0, value.length - 3))
    await db.close()

    const forwarded: Array<{ seq: number; bytes: number }> = []
    const reader = memoryStore({ db })
    const { docs: docs2 } = await open(reader, 'n1', {
      localDurable: (_replica, dot, update) => forwarded.push({ seq: dot.seq, bytes: update.byteLength }),
    })
    const reloaded = await docs2.replica('doc', backend)
    await reloaded.flush()
    expect(forwarded).toEqual([{ seq: 3, bytes: 0 }])
    expect(reloaded.vector).toEqual({ n1: 3 })
    expect(Object.keys(kvOf(reloaded)).sort()).toEqual(['k1', 'k2'])
    expect(await write(reloaded, 'next', 'x')).toEqual({ origin: 'n1', seq: 4 })
    await reader.close()
  })
})
