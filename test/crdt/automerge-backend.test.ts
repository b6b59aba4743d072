/** What is particular to the Automerge backend: actor ids, change capture, queuing, times, receipts. */
import * as Automerge from '@automerge/automerge'
import { describe, expect, it } from 'vitest'
import { createAutomergeBackend } from '../../crdt/automerge.ts'
import { hex } from '../../crdt/hex.ts'
import { seededRandom } from '../../src/env/seeded-random.ts'
import { converse, syncPair } from './sync-harness.ts'

const open = (seed: number, snapshot?: Uint8Array) =>
  createAutomergeBackend({ random: seededRandom(seed), ...(snapshot ? { snapshot } : {}) })

describe('automerge backend ids and times', () => {
  it('uses 16 bytes from the Random, as hex, for the actor id (also after loading)', () => {
    const expected = hex(seededRandom(1).bytes(16))
    const a = open(1)
    expect(Automerge.getActorId(a.doc)).toBe(expected)
    a.change((doc) => {
      doc.x = 1
    })
    const loaded = open(2, a.snapshot())
    expect(Automerge.getActorId(loaded.doc)).toBe(hex(seededRandom(2).bytes(16)))
  })

  it('stamps changes with time 0, or with the injected clock in seconds', () => {
    const plain = open(3).change((doc) => {
      doc.x = 1
    }) as Uint8Array
    expect(Automerge.decodeChange(plain).time).toBe(0)
    const clocked = createAutomergeBackend({
      random: seededRandom(3),
      clock: { now: () => 1_700_000_123_456 },
    })
    const stamped = clocked.change((doc) => {
      doc.x = 1
    }) as Uint8Array
    expect(Automerge.decodeChange(stamped).time).toBe(1_700_000_123)
  })

  it('is byte-for-byte reproducible from the seed', () => {
    const run = () => {
      const a = open(4)
      return [
        a.change((doc) => {
          doc.list = ['a']
        }),
        a.snapshot(),
      ]
    }
    expect(run()).toEqual(run())
  })
})

describe('automerge backend change and applyUpdate', () => {
  it('returns one change per change(), null for a no-op, and rolls back a throwing change', () => {
    const a = open(5)
    const change = a.change((doc) => {
      doc.items = [1]
    })
    expect(change).not.toBeNull()
    expect(Automerge.decodeChange(change as Uint8Array).seq).toBe(1)
    expect(a.change(() => {})).toBeNull()
    expect(() =>
      a.change((doc) => {
        doc.items.push(2)
        throw new Error('boom')
      }),
    ).toThrow('boom')
    expect(a.value()).toEqual({ items: [1] })
  })

  it('queues a change whose dependencies are missing until they arrive (Automerge does, checked here)', () => {
    const a = open(6)
    const first = a.change((doc) => {
      doc.m = { x: 1 }
    }) as Uint8Array
    const second = a.change((doc) => {
      doc.m.y = 2
    }) as Uint8Array
    const b = open(7)
    expect(b.applyUpdate(second)).toBe(false)
    expect(b.value()).toEqual({})
    expect(b.applyUpdate(first)).toBe(true)
    expect(b.value()).toEqual({ m: { x: 1, y: 2 } })
    expect(b.applyUpdate(first)).toBe(false)
    expect(b.applyUpdate(second)).toBe(false)
  })

  it('never reports local updates: every edit goes through change()', () => {
    const a = open(8)
    const seen: Uint8Array[] = []
    const stop = a.onLocalUpdate((update) => seen.push(update))
    a.change((doc) => {
      doc.x = 1
    })
    a.applyUpdate(
      open(9).change((doc) => {
        doc.y = 2
      }) as Uint8Array,
    )
    stop()
    expect(seen).toEqual([])
  })

  it('reads counters, dates, bytes and text as plain JSON', () => {
    const a = open(10)
    a.change((doc) => {
      doc.count = new Automerge.Counter(2)
      doc.when = new Date(0)
      doc.bytes = new Uint8Array([1, 2])
      doc.text = 'hi'
      doc.raw = new Automerge.ImmutableString('raw')
    })
    a.change((doc) => doc.count.increment(3))
    expect(a.value()).toEqual({
      count: 5,
      when: '1970-01-01T00:00:00.000Z',
      bytes: [1, 2],
      text: 'hi',
      raw: 'raw',
    })
  })
})

describe('automerge sync sessions', () => {
  it('receive returns the changes it applied, which another replica can apply', () => {
    const a = open(11)
    const b = open(12)
    const c = open(13)
    a.change((doc) => {
      doc.from = 'a'
    })
    a.change((doc) => {
      doc.more = 'a'
    })
    const sa = a.syncWith()
    const sb = b.syncWith()
    const applied: Uint8Array[] = []
    for (let round = 0; round < 10; round++) {
      const fromA = sa.generate()
      const fromB = sb.generate()
      if (!fromA && !fromB) break
      if (fromA) {
        const update = sb.receive(fromA)
        if (update) applied.push(update)
      }
      if (fromB) sa.receive(fromB)
    }
    expect(sb.caughtUp).toBe(true)
    for (const update of applied) c.applyUpdate(update)
    expect(c.canonical()).toBe(a.canonical())
  })

  it('resumes from a saved sync state', () => {
    const a = open(14)
    const b = open(15)
    a.change((doc) => {
      doc.x = 1
    })
    const sa = a.syncWith()
    converse(sa, b.syncWith())
    const saved = sa.save()
    a.change((doc) => {
      doc.y = 2
    })
    const run = converse(a.syncWith(saved), b.syncWith())
    expect(b.canonical()).toBe(a.canonical())
    expect(run.sentByA.length).toBeGreaterThan(0)
    syncPair(a, b)
  })
})
