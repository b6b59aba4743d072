/**
 * DocReplica applying a frame of live updates from a peer: one backend call
 * for the frame; an entry the backend cannot read is logged and left out
 * (not stored, not acknowledged) and the others are stored and acknowledged.
 */
import { describe, expect, it } from 'vitest'
import { DocReplica } from '../../src/docs/doc-replica.ts'
import { memoryStore } from '../../store/memory-store.ts'
import { backendFactory, editor, GARBAGE, hooks, testEnv } from './doc-fixtures.ts'

describe.each(['yjs', 'automerge'] as const)('%s live updates from a peer', (backend) => {
  it('stores and acknowledges every readable entry of a frame holding one it cannot read', async () => {
    const store = memoryStore()
    await store.open()
    const { env, lines } = testEnv(3)
    const replica = new DocReplica({
      name: 'doc',
      backendName: backend,
      backend: backendFactory(backend, { random: env.random }),
      self: 'n1',
      store,
      env,
      hooks,
      vector: {},
    })
    const source = editor(backend, 4)
    const entries = [
      { origin: 'n2', seq: 1, update: source.set('a', 1) },
      { origin: 'n2', seq: 2, update: GARBAGE },
      { origin: 'n2', seq: 3, update: source.set('b', 2) },
    ]
    const acked = await replica.applyLive('n2', entries)
    expect(acked).toEqual([
      { origin: 'n2', seq: 1 },
      { origin: 'n2', seq: 3 },
    ])
    expect(replica.backend.canonical()).toBe(source.backend.canonical())
    expect((await store.load('doc'))?.updates.map((u) => u.dot)).toEqual(acked)
    expect(lines).toContainEqual({
      level: 'warn',
      msg: 'dropped an update that cannot be read',
      fields: expect.objectContaining({ doc: 'doc', from: 'n2', origin: 'n2', seq: 2 }),
    })
    await store.close()
  })
})
