/**
 * DocRegistry loading a document from the store: the snapshot, then the log
 * tail in one batch. A tail entry the backend cannot read must not cost the
 * others: it is logged and skipped, and its dot is not claimed.
 */
import { describe, expect, it } from 'vitest'
import { DocRegistry } from '../../src/docs/doc-registry.ts'
import { memoryLevel, memoryStore } from '../../store/memory-store.ts'
import { backendFactory, editor, GARBAGE, hooks, testEnv } from './doc-fixtures.ts'

describe.each(['yjs', 'automerge'] as const)('%s document loaded from the store', (backend) => {
  it('loads every intact tail entry when one of them cannot be read', async () => {
    const db = memoryLevel()
    const store = memoryStore({ db })
    await store.open()
    const source = editor(backend, 1)
    const first = source.set('a', 1)
    await store.append('doc', backend, { dot: { origin: 'n2', seq: 1 }, update: first })
    await store.compact('doc', source.backend.snapshot(), { n2: 1 })
    await store.append('doc', backend, { dot: { origin: 'n2', seq: 2 }, update: source.set('b', 2) })
    await store.append('doc', backend, { dot: { origin: 'n3', seq: 1 }, update: GARBAGE })
    await store.append('doc', backend, { dot: { origin: 'n2', seq: 3 }, update: source.set('c', 3) })
    await store.close()

    const reopened = memoryStore({ db })
    await reopened.open()
    const { env, lines } = testEnv(2)
    const docs = new DocRegistry({ env, store: reopened, self: 'n1', hooks, createBackend: backendFactory })
    const replica = await docs.replica('doc', backend)
    expect(replica.backend.canonical()).toBe(source.backend.canonical())
    expect(replica.vector).toEqual({ n2: 3 })
    expect(lines).toContainEqual({
      level: 'warn',
      msg: 'skipped a stored update that cannot be read',
      fields: expect.objectContaining({ doc: 'doc', origin: 'n3', seq: 1 }),
    })
    await reopened.close()
  })
})
