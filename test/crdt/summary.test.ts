/**
 * DocBackend.summary() and contentVersion, what anti-entropy compares: equal
 * content gives equal bytes whatever order it arrived in, and any difference
 * in content (including a deletion, which a Yjs state vector does not show)
 * gives different bytes.
 */
import { describe, expect, it } from 'vitest'
import type * as Y from 'yjs'
import { createAutomergeBackend } from '../../crdt/automerge.ts'
import { createYjsBackend } from '../../crdt/yjs.ts'
import { seededRandom } from '../../src/env/seeded-random.ts'

const yjs = (seed: number) => createYjsBackend({ random: seededRandom(seed) })
const am = (seed: number) => createAutomergeBackend({ random: seededRandom(seed) })
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b))

describe('yjs summary', () => {
  it('is zero bytes for an empty document, on both backends', () => {
    expect(yjs(9).summary().length).toBe(0)
    expect(am(9).summary().length).toBe(0)
  })

  it('is equal for equal content received in different orders', () => {
    const w1 = yjs(1)
    const w2 = yjs(2)
    const u1 = w1.change((d: Y.Doc) => d.getText('t').insert(0, 'hello')) as Uint8Array
    const u2 = w1.change((d: Y.Doc) => d.getText('t').delete(1, 2)) as Uint8Array
    const u3 = w2.change((d: Y.Doc) => d.getMap('m').set('k', 1)) as Uint8Array
    const a = yjs(3)
    const b = yjs(4)
    a.applyUpdates([u1, u2, u3])
    b.applyUpdate(u3)
    b.applyUpdate(u1)
    b.applyUpdate(u2)
    expect(a.canonical()).toBe(b.canonical())
    expect(same(a.summary(), b.summary())).toBe(true)
  })

  it('differs on a deletion the state vector does not show', () => {
    const w = yjs(5)
    const u1 = w.change((d: Y.Doc) => d.getMap('m').set('k', 1)) as Uint8Array
    const a = yjs(6)
    a.applyUpdate(u1)
    const deletion = w.change((d: Y.Doc) => d.getMap('m').delete('k')) as Uint8Array
    const before = a.summary()
    const versionBefore = a.contentVersion
    expect(same(w.summary(), before)).toBe(false)
    a.applyUpdate(deletion)
    expect(a.contentVersion).toBeGreaterThan(versionBefore)
    expect(same(w.summary(), a.summary())).toBe(true)
  })
})

describe('automerge summary', () => {
  it('is equal for equal content in any order, and differs otherwise', () => {
    const w1 = am(1)
    const w2 = am(2)
    const c1 = w1.change((d) => {
      d.x = 1
    }) as Uint8Array
    const c2 = w2.change((d) => {
      d.y = 2
    }) as Uint8Array
    const a = am(3)
    const b = am(4)
    a.applyUpdates([c1, c2])
    const versionBefore = b.contentVersion
    b.applyUpdate(c2)
    expect(b.contentVersion).toBeGreaterThan(versionBefore)
    expect(same(a.summary(), b.summary())).toBe(false)
    b.applyUpdate(c1)
    expect(same(a.summary(), b.summary())).toBe(true)
  })

  it('does not move contentVersion on a change that changed nothing', () => {
    const a = am(5)
    const v = a.contentVersion
    expect(a.change(() => {})).toBeNull()
    expect(a.contentVersion).toBe(v)
  })
})
