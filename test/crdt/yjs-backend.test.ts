/** What is particular to the Yjs backend: ids, update capture, origins, value, sync edge cases. */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { createYjsBackend } from '../../crdt/yjs.ts'
import { seededRandom } from '../../src/env/seeded-random.ts'
import { converse, syncPair } from './sync-harness.ts'

const open = (seed: number, snapshot?: Uint8Array) =>
  createYjsBackend({ random: seededRandom(seed), ...(snapshot ? { snapshot } : {}) })

describe('yjs backend ids', () => {
  it('draws the client id and guid from the Random: same seed, same ids', () => {
    expect(open(1).ydoc.clientID).toBe(open(1).ydoc.clientID)
    expect(open(1).ydoc.guid).toBe(open(1).ydoc.guid)
    expect(open(1).ydoc.clientID).not.toBe(open(2).ydoc.clientID)
    const id = open(3).ydoc.clientID
    expect(id).toBeGreaterThan(0)
    expect(id).toBeLessThanOrEqual(0xffffffff)
  })

  it('never reuses a client id found in the snapshot it loads', () => {
    const first = open(4)
    first.change((doc) => doc.getText('t').insert(0, 'hi'))
    // Same seed: the same first draw, which the snapshot already uses.
    const second = open(4, first.snapshot())
    expect(second.ydoc.clientID).not.toBe(first.ydoc.clientID)
    second.change((doc) => doc.getText('t').insert(2, '!'))
    first.change((doc) => doc.getText('t').insert(0, '>'))
    syncPair(first, second)
    expect(first.canonical()).toBe(second.canonical())
    expect(first.value()).toEqual({ t: '>hi!' })
  })

  it("loads a snapshot holding structs and deletions Yjs holds back, and never takes their writer's id", () => {
    const writer = open(8)
    const first = writer.change((doc) => doc.getText('t').insert(0, 'ab')) as Uint8Array
    const second = writer.change((doc) => doc.getText('t').insert(2, 'cd')) as Uint8Array
    const removal = writer.change((doc) => doc.getText('t').delete(0, 1)) as Uint8Array
    const holder = open(9)
    holder.applyUpdate(second) // needs `first`: held back
    holder.applyUpdate(removal) // deletes what `holder` lacks: held back too
    expect(holder.hasPending()).toBe(true)
    // Same seed as the writer: its first draw is the writer's id, which only the held-back part names.
    const loaded = open(8, holder.snapshot())
    expect(loaded.hasPending()).toBe(true)
    expect(loaded.ydoc.clientID).not.toBe(writer.ydoc.clientID)
    loaded.applyUpdate(first)
    expect(loaded.hasPending()).toBe(false)
    expect(loaded.canonical()).toBe(writer.canonical())
  })

  it('takes a new client id before applying an update written under its own', () => {
    const a = open(5)
    const b = open(5) // a 2^-32 accident, forced here
    const update = a.change((doc) => doc.getMap('m').set('k', 1)) as Uint8Array
    b.applyUpdate(update)
    expect(b.ydoc.clientID).not.toBe(a.ydoc.clientID)
    const reply = b.change((doc) => doc.getMap('m').set('j', 2)) as Uint8Array
    a.applyUpdate(reply)
    expect(a.canonical()).toBe(b.canonical())
  })
})

describe('yjs backend change and listeners', () => {
  it('returns the transaction update, null for a no-op, and a delete-only update', () => {
    const a = open(6)
    const b = open(7)
    const insert = a.change((doc) => doc.getArray('l').insert(0, [1, 2, 3]))
    expect(insert).not.toBeNull()
    expect(a.change(() => {})).toBeNull()
    // Deletions do not move the state vector: the update must still carry them.
    const deletion = a.change((doc) => doc.getArray('l').delete(0, 1))
    expect(deletion).not.toBeNull()
    expect(b.applyUpdate(insert as Uint8Array)).toBe(true)
    expect(b.applyUpdate(deletion as Uint8Array)).toBe(true)
    expect(b.applyUpdate(deletion as Uint8Array)).toBe(false)
    expect(b.value()).toEqual({ l: [2, 3] })
  })

  it('reports direct edits to onLocalUpdate, and not changes, remote applies or sync receipts', () => {
    const a = open(8)
    const b = open(9)
    const seen: Uint8Array[] = []
    const stop = a.onLocalUpdate((update) => seen.push(update))
    a.change((doc) => doc.getMap('m').set('x', 1))
    a.applyUpdate(b.change((doc) => doc.getMap('m').set('y', 2)) as Uint8Array)
    b.change((doc) => doc.getMap('m').set('z', 3))
    syncPair(a, b)
    expect(seen).toEqual([])
    a.ydoc.getText('t').insert(0, 'direct')
    a.ydoc.transact(() => a.ydoc.getMap('m').delete('x'), 'my-editor')
    expect(seen).toHaveLength(2)
    for (const update of seen) b.applyUpdate(update)
    expect(b.canonical()).toBe(a.canonical())
    stop()
    a.ydoc.getText('t').insert(0, 'more')
    expect(seen).toHaveLength(2)
  })

  it('reports the edits a throwing change made before it threw, then rethrows', () => {
    const a = open(10)
    const b = open(11)
    a.onLocalUpdate((update) => b.applyUpdate(update))
    expect(() =>
      a.change((doc) => {
        doc.getMap('m').set('kept', true)
        throw new Error('boom')
      }),
    ).toThrow('boom')
    expect(b.value()).toEqual({ m: { kept: true } })
  })
})

describe('yjs backend value', () => {
  it('reads untyped top-level types on a receiver as the sender typed them', () => {
    const a = open(12)
    const b = open(13)
    const update = a.change((doc) => {
      doc.getText('text').insert(0, 'hello')
      doc.getArray('list').push([1, 'two', new Uint8Array([3])])
      const nested = new Y.Map()
      doc.getMap('map').set('nested', nested)
      nested.set('deep', [1, { x: 2 }])
      doc.getXmlFragment('xml').insert(0, [new Y.XmlElement('p')])
      doc.getMap('empty')
    }) as Uint8Array
    b.applyUpdate(update)
    const expected = {
      text: 'hello',
      list: [1, 'two', [3]],
      map: { nested: { deep: [1, { x: 2 }] } },
      xml: '<p></p>',
    }
    expect(a.value()).toEqual(expected)
    expect(b.value()).toEqual(expected)
    expect(b.canonical()).toBe(a.canonical())
  })

  it('leaves out top-level types with nothing visible', () => {
    const a = open(14)
    a.change((doc) => doc.getText('t').insert(0, 'x'))
    a.change((doc) => doc.getText('t').delete(0, 1))
    a.ydoc.getMap('never-written')
    expect(a.value()).toEqual({})
  })
})

describe('yjs sync sessions', () => {
  it('two replicas with the same state go quiet after a request and a reply each', () => {
    const a = open(15)
    const b = open(16)
    b.applyUpdate(a.change((doc) => doc.getText('t').insert(0, 'same')) as Uint8Array)
    const run = syncPair(a, b)
    expect([run.sentByA.length, run.sentByB.length, run.rounds]).toEqual([2, 2, 2])
  })

  it('carries a deletion that state vectors cannot show', () => {
    const a = open(17)
    const b = open(18)
    b.applyUpdate(a.change((doc) => doc.getText('t').insert(0, 'abc')) as Uint8Array)
    a.change((doc) => doc.getText('t').delete(1, 1)) // not delivered: only sync can bring it
    expect(Y.encodeStateVector(a.ydoc)).toEqual(Y.encodeStateVector(b.ydoc))
    syncPair(a, b)
    expect(b.value()).toEqual({ t: 'ac' })
  })

  it('passes on edits made during a session, and says when it caught up', () => {
    const a = open(19)
    const b = open(20)
    const sa = a.syncWith()
    const sb = b.syncWith()
    converse(sa, sb)
    expect(sb.caughtUp).toBe(true)
    a.change((doc) => doc.getMap('m').set('later', 1))
    a.ydoc.getMap('m').set('direct', 2)
    const run = converse(sa, sb)
    expect(run.sentByA).toHaveLength(1)
    expect(run.sentByB).toHaveLength(0)
    expect(sb.caughtUp).toBe(true)
    expect(b.canonical()).toBe(a.canonical())
  })

  it('passes on a deletion made during a session, though the state vector stays put', () => {
    const a = open(23)
    const b = open(24)
    a.change((doc) => doc.getText('t').insert(0, 'abc'))
    const sa = a.syncWith()
    const sb = b.syncWith()
    converse(sa, sb)
    a.change((doc) => doc.getText('t').delete(0, 1))
    expect(converse(sa, sb).sentByA).toHaveLength(1)
    expect(b.value()).toEqual({ t: 'bc' })
  })

  it('a session that never heard from its peer saves nothing, so the next one does not ship the document', () => {
    const a = open(23)
    a.change((doc) => doc.getText('t').insert(0, 'x'.repeat(1000)))
    const silent = a.syncWith()
    silent.generate() // asked, never answered
    const saved = silent.save()
    expect(saved.length).toBe(0)
    const first = a.syncWith(saved).generate() as Uint8Array
    expect(first.length).toBeLessThan(100)
  })

  it('resumes from a saved session with news in its first message', () => {
    const a = open(21)
    const b = open(22)
    const saved = (() => {
      const sa = a.syncWith()
      converse(sa, b.syncWith())
      return sa.save()
    })()
    a.change((doc) => doc.getMap('m').set('offline', true))
    const resumed = a.syncWith(saved)
    const first = resumed.generate() as Uint8Array
    const sb = b.syncWith()
    expect(sb.receive(first)).not.toBeNull()
    expect(b.value()).toEqual({ m: { offline: true } })
    converse(resumed, sb)
    expect(b.canonical()).toBe(a.canonical())
  })
})
