/**
 * The Store conformance suite, as automerge-repo's `runStorageAdapterTests`:
 * every Store (LevelDB, memory, the simulator's) runs it. It registers vitest
 * cases, so call it at the top level of a test file.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { emptyModel, expectSameAsModel, type ModelReal, storeCommands } from './conformance-model.ts'
import { DOC_NAME_LENGTH_MAX, RECORD_PAYLOAD_BYTES_MAX } from './limits.ts'
import type { Store, StoredDoc, StoredUpdate, VersionVector } from './store.ts'

/** One store over fresh storage, and how to restart it. */
export interface StoreUnderTest {
  /** A store over empty storage, not yet opened. */
  store: Store
  /** Closes the store returned last (if open) and returns a new Store over the same data, not yet opened. */
  reopen(): Promise<Store>
  /** Closes whatever is open and removes the data. */
  cleanup(): Promise<void>
}

/** Makes a fresh `StoreUnderTest`; called once per test case (and once per model run). */
export type StoreFactory = () => Promise<StoreUnderTest>

/** Runs of the model test: enough to hit compact/reopen interleavings the named cases miss. */
const MODEL_RUNS = 200

const ODD_NAMES = [
  'plain',
  'a!log!0000000000000001',
  'a!snap',
  'a',
  'a!',
  '!a',
  '%21',
  '%',
  '',
  ' ',
  'doc!a',
  'meta!a',
  'isthmus!format',
  'x/y\\z',
  'new\nline',
  'nul\u0000byte',
  'ü',
  '日本語',
  '😀',
  '\uD800',
  '\uDC00x',
]

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)
const update = (origin: string, seq: number, text = `${origin}:${seq}`): StoredUpdate => ({
  dot: { origin, seq },
  update: bytes(text),
})

/** What the cases share: run a body against a fresh opened store, and reopen one. */
interface Harness {
  withStore(body: (store: Store, sut: StoreUnderTest) => Promise<void>): Promise<void>
  reopened(sut: StoreUnderTest): Promise<Store>
}

function harness(factory: StoreFactory): Harness {
  return {
    async withStore(body) {
      const sut = await factory()
      try {
        expect(await sut.store.open()).toEqual({ corrupt: [] })
        await body(sut.store, sut)
      } finally {
        await sut.cleanup()
      }
    },
    async reopened(sut) {
      const store = await sut.reopen()
      expect(await store.open()).toEqual({ corrupt: [] })
      return store
    },
  }
}

/**
 * Registers the conformance cases for one kind of Store under `describe(name)`.
 * `factory` is called for every case and must return a store over empty storage.
 */
export function runStoreConformance(name: string, factory: StoreFactory): void {
  describe(`Store conformance: ${name}`, () => {
    const h = harness(factory)
    registerReadWriteCases(h)
    registerCompactionCases(h)
    registerDurabilityCases(h)
    registerRefusalCases(h)
    registerModelCase(factory)
  })
}

/** What `load` returns for a document whose every record is intact: the high-water mark is the highest dot seq per origin appended or covered. */
function storedDoc(doc: Omit<StoredDoc, 'damagedRecords' | 'highWater'>): StoredDoc {
  const highWater: Record<string, number> = {}
  const raise = (origin: string, seq: number) => {
    if (seq > 0 && seq > (highWater[origin] ?? 0)) highWater[origin] = seq
  }
  const covers: VersionVector = doc.snapshot?.covers ?? {}
  for (const [origin, seq] of Object.entries(covers)) raise(origin, seq)
  for (const { dot } of doc.updates) raise(dot.origin, dot.seq)
  return { ...doc, highWater, damagedRecords: 0 }
}

function registerReadWriteCases({ withStore, reopened }: Harness): void {
  it('opens empty', () =>
    withStore(async (store) => {
      expect(await store.docs()).toEqual([])
      expect(await store.load('nothing')).toBeUndefined()
      expect(await store.getMeta('nothing')).toBeUndefined()
    }))

  it('loads updates in append order', () =>
    withStore(async (store) => {
      const updates = Array.from({ length: 50 }, (_, i) => update(i % 2 ? 'n1' : 'n2', i))
      for (const entry of updates) await store.append('notes', 'automerge', entry)
      expect(await store.load('notes')).toEqual(storedDoc({ name: 'notes', backend: 'automerge', updates }))
    }))

  it('keeps many documents apart', () =>
    withStore(async (store, sut) => {
      const names = Array.from({ length: 40 }, (_, i) => `doc-${i}`)
      for (let round = 0; round < 3; round++) {
        await Promise.all(names.map((doc) => store.append(doc, 'yjs', update(doc, round))))
      }
      const expectAll = async (s: Store) => {
        expect(await s.docs()).toEqual([...names].sort())
        for (const doc of names) {
          const expected = [0, 1, 2].map((round) => update(doc, round))
          expect(await s.load(doc)).toEqual(storedDoc({ name: doc, backend: 'yjs', updates: expected }))
        }
      }
      await expectAll(store)
      await expectAll(await reopened(sut))
    }))

  it('keeps names with separators, escapes and odd characters apart', () =>
    withStore(async (store, sut) => {
      for (const doc of ODD_NAMES) await store.append(doc, 'yjs', update('n1', 1, `doc ${doc}`))
      for (const key of ODD_NAMES) await store.putMeta(key, bytes(`meta ${key}`))
      const expectAll = async (s: Store) => {
        expect(await s.docs()).toEqual([...ODD_NAMES].sort())
        for (const name of ODD_NAMES) {
          expect(await s.load(name)).toEqual(
            storedDoc({ name, backend: 'yjs', updates: [update('n1', 1, `doc ${name}`)] }),
          )
          expect(await s.getMeta(name)).toEqual(bytes(`meta ${name}`))
        }
      }
      await expectAll(store)
      const store2 = await reopened(sut)
      await expectAll(store2)
      // Compacting "a" must not touch "a!", "a!snap" or "a!log!0000000000000001".
      await store2.compact('a', bytes('snapshot of a'), { n1: 1 })
      const store3 = await reopened(sut)
      for (const name of ODD_NAMES) {
        const updates = name === 'a' ? [] : [update('n1', 1, `doc ${name}`)]
        expect((await store3.load(name))?.updates).toEqual(updates)
      }
      expect((await store3.load('a'))?.snapshot?.bytes).toEqual(bytes('snapshot of a'))
    }))
}

function registerCompactionCases({ withStore, reopened }: Harness): void {
  it('compact replaces the log with the snapshot and keeps entries appended after the call', () =>
    withStore(async (store, sut) => {
      for (let seq = 1; seq <= 5; seq++) await store.append('plan', 'yjs', update('n1', seq))
      // Issued in one tick: 6 before the compact call, 7 after it.
      const before = store.append('plan', 'yjs', update('n1', 6))
      const compacted = store.compact('plan', bytes('through 6'), { n1: 6 })
      const after = store.append('plan', 'yjs', update('n1', 7))
      await Promise.all([before, compacted, after])
      const expected = storedDoc({
        name: 'plan',
        backend: 'yjs',
        snapshot: { bytes: bytes('through 6'), covers: { n1: 6 } },
        updates: [update('n1', 7)],
      })
      expect(await store.load('plan')).toEqual(expected)
      expect(await (await reopened(sut)).load('plan')).toEqual(expected)
    }))

  it('a second compact replaces the first snapshot', () =>
    withStore(async (store, sut) => {
      await store.append('plan', 'yjs', update('n1', 1))
      await store.compact('plan', bytes('one'), { n1: 1 })
      await store.append('plan', 'yjs', update('n2', 1))
      await store.compact('plan', bytes('two'), { n1: 1, n2: 1 })
      const expected = storedDoc({
        name: 'plan',
        backend: 'yjs',
        snapshot: { bytes: bytes('two'), covers: { n1: 1, n2: 1 } },
        updates: [],
      })
      expect(await store.load('plan')).toEqual(expected)
      const store2 = await reopened(sut)
      expect(await store2.load('plan')).toEqual(expected)
      // Local seqs go on after a compaction emptied the log: a new append sorts after, and loads.
      await store2.append('plan', 'yjs', update('n3', 1))
      expect((await store2.load('plan'))?.updates).toEqual([update('n3', 1)])
    }))

  it('reports compactionDue once a log passes its threshold, and not after compact', () =>
    withStore(async (store) => {
      let due = false
      // Bounded: a store whose threshold is beyond 50,000 small updates fails here.
      for (let burst = 0; burst < 100 && !due; burst++) {
        const results = await Promise.all(
          Array.from({ length: 500 }, (_, i) => store.append('big', 'yjs', update('n1', burst * 500 + i))),
        )
        due = results.some((r) => r.compactionDue)
      }
      expect(due).toBe(true)
      await store.compact('big', bytes('all of it'), { n1: 50_000 })
      expect(await store.append('big', 'yjs', update('n1', 50_001))).toEqual({ compactionDue: false })
    }))
}

function registerDurabilityCases({ withStore, reopened }: Harness): void {
  it('round-trips metadata, overwrites and all', () =>
    withStore(async (store, sut) => {
      await store.putMeta('node-id', bytes('n1'))
      await store.putMeta('vv', new Uint8Array([0, 255, 1]))
      await store.putMeta('node-id', bytes('n1-renamed'))
      expect(await store.getMeta('node-id')).toEqual(bytes('n1-renamed'))
      const store2 = await reopened(sut)
      expect(await store2.getMeta('node-id')).toEqual(bytes('n1-renamed'))
      expect(await store2.getMeta('vv')).toEqual(new Uint8Array([0, 255, 1]))
      expect(await store2.getMeta('missing')).toBeUndefined()
    }))

  it('keeps every acknowledged write across close and reopen', () =>
    withStore(async (store, sut) => {
      await store.append('a', 'yjs', update('n1', 1))
      await store.append('b', 'automerge', update('n1', 2))
      await store.compact('a', bytes('snap a'), { n1: 1 })
      await store.append('a', 'yjs', update('n1', 3))
      await store.putMeta('k', bytes('v'))
      const store2 = await reopened(sut)
      expect(await store2.docs()).toEqual(['a', 'b'])
      expect(await store2.load('a')).toEqual(
        storedDoc({
          name: 'a',
          backend: 'yjs',
          snapshot: { bytes: bytes('snap a'), covers: { n1: 1 } },
          updates: [update('n1', 3)],
        }),
      )
      expect(await store2.load('b')).toEqual(
        storedDoc({ name: 'b', backend: 'automerge', updates: [update('n1', 2)] }),
      )
      expect(await store2.getMeta('k')).toEqual(bytes('v'))
    }))

  it('group-commits appends issued in one tick, all present after reopen', () =>
    withStore(async (store, sut) => {
      const updates = Array.from({ length: 500 }, (_, i) => update('n1', i))
      const results = await Promise.all([
        ...updates.map((entry, i) => store.append(`doc-${i % 7}`, 'yjs', entry)),
        store.putMeta('in-the-batch', bytes('yes')),
      ])
      expect(results).toHaveLength(501)
      const store2 = await reopened(sut)
      for (let d = 0; d < 7; d++) {
        const expected = updates.filter((_, i) => i % 7 === d)
        expect((await store2.load(`doc-${d}`))?.updates).toEqual(expected)
      }
      expect(await store2.getMeta('in-the-batch')).toEqual(bytes('yes'))
    }))
}

function registerRefusalCases({ withStore }: Harness): void {
  it('refuses oversize names and values with StoreLimitError, writing nothing', () =>
    withStore(async (store) => {
      const longName = 'x'.repeat(DOC_NAME_LENGTH_MAX + 1)
      await expect(store.append(longName, 'yjs', update('n1', 1))).rejects.toMatchObject({
        name: 'StoreLimitError',
      })
      const huge = { dot: { origin: 'n1', seq: 1 }, update: new Uint8Array(RECORD_PAYLOAD_BYTES_MAX + 1) }
      await expect(store.append('doc', 'yjs', huge)).rejects.toMatchObject({ name: 'StoreLimitError' })
      await expect(store.putMeta(longName, bytes('v'))).rejects.toMatchObject({ name: 'StoreLimitError' })
      expect(await store.docs()).toEqual([])
      const longest = 'y'.repeat(DOC_NAME_LENGTH_MAX)
      await store.append(longest, 'yjs', update('n1', 1))
      expect(await store.docs()).toEqual([longest])
    }))

  it('refuses a backend that differs from the stored one, and compacting an unknown document', () =>
    withStore(async (store) => {
      await store.append('doc', 'yjs', update('n1', 1))
      await expect(store.append('doc', 'automerge', update('n1', 2))).rejects.toMatchObject({
        name: 'StoreInputError',
      })
      await expect(store.compact('other', bytes('s'), {})).rejects.toMatchObject({
        name: 'StoreInputError',
      })
      expect((await store.load('doc'))?.updates).toEqual([update('n1', 1)])
    }))

  it('rejects calls on a closed store with StoreClosedError', () =>
    withStore(async (store) => {
      await store.close()
      await expect(store.append('doc', 'yjs', update('n1', 1))).rejects.toMatchObject({
        name: 'StoreClosedError',
      })
      await expect(store.load('doc')).rejects.toMatchObject({ name: 'StoreClosedError' })
      await expect(store.getMeta('k')).rejects.toMatchObject({ name: 'StoreClosedError' })
    }))
}

function registerModelCase(factory: StoreFactory): void {
  it(`matches an in-memory model over random append/compact/putMeta/reopen sequences (${MODEL_RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(storeCommands, async (commands) => {
        const sut = await factory()
        const real: ModelReal = { store: sut.store, reopen: () => sut.reopen() }
        try {
          expect(await sut.store.open()).toEqual({ corrupt: [] })
          const model = emptyModel()
          await fc.asyncModelRun(() => ({ model, real }), commands)
          await expectSameAsModel(model, real.store)
        } finally {
          await sut.cleanup()
        }
      }),
      // fast-check prints the seed and path of a failure; pass them back here ({ seed, path }) to replay it.
      { numRuns: MODEL_RUNS },
    )
  })
}
