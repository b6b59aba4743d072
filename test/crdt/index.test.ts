/** The public entry `isthmus/crdt`: its exports and the createBackend dispatcher. */
import { describe, expect, it } from 'vitest'
import * as crdt from '../../crdt/index.ts'
import { seededRandom } from '../../src/env/seeded-random.ts'

describe('isthmus/crdt', () => {
  it('exports the factories, the dispatcher, batch apply, canonical JSON, the codec and the error class', () => {
    expect(Object.keys(crdt).sort()).toEqual([
      'CrdtDecodeError',
      'YJS_SYNC_VERSION',
      'applyUpdatesIsolating',
      'canonicalJson',
      'createAutomergeBackend',
      'createBackend',
      'createYjsBackend',
      'decodeYjsSyncMessage',
      'encodeYjsSyncMessage',
    ])
  })

  it('createBackend opens the named backend', () => {
    const yjs = crdt.createBackend('yjs', { random: seededRandom(1) })
    const automerge = crdt.createBackend('automerge', { random: seededRandom(1) })
    expect(yjs.name).toBe('yjs')
    expect(yjs.ydoc).toBeDefined()
    expect(automerge.name).toBe('automerge')
    expect(automerge.doc).toBeDefined()
    expect(() => crdt.createBackend('nope' as 'yjs', { random: seededRandom(1) })).toThrow(RangeError)
  })

  it('opens a snapshot through createBackend', () => {
    const yjs = crdt.createBackend('yjs', { random: seededRandom(2) })
    yjs.change((doc) => doc.getMap('m').set('k', 1))
    expect(crdt.createBackend('yjs', { random: seededRandom(3), snapshot: yjs.snapshot() }).value()).toEqual({
      m: { k: 1 },
    })
    const automerge = crdt.createBackend('automerge', { random: seededRandom(2) })
    automerge.change((doc) => {
      doc.m = { k: 1 }
    })
    const loaded = crdt.createBackend('automerge', {
      random: seededRandom(3),
      snapshot: automerge.snapshot(),
    })
    expect(loaded.value()).toEqual({ m: { k: 1 } })
  })
})
