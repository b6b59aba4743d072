/**
 * `applyUpdates` (many remote updates in one backend call) and
 * `applyUpdatesIsolating` (the same, leaving out the ones that cannot be
 * read): the document must end up as `applyUpdate` on each in order leaves it.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { applyUpdatesIsolating } from '../../crdt/apply-updates.ts'
import type { DocBackend } from '../../crdt/backend.ts'
import { CrdtDecodeError } from '../../crdt/errors.ts'
import { createYjsBackend } from '../../crdt/yjs.ts'
import { seededRandom } from '../../src/env/seeded-random.ts'
import { type Driver, drivers, type Op, opArbitrary } from './ops.ts'
import { propertyOptions } from './property-options.ts'

const FILE = 'test/crdt/apply-updates.test.ts'
const GARBAGE = Uint8Array.from([1, 2, 3, 4, 5])

/** A source replica's updates (genesis first), from `ops` plus a closing text insert. */
function updatesOf(driver: Driver, seed: number, ops: readonly Op[]) {
  const source = driver.open(seededRandom(seed))
  const updates: Uint8Array[] = []
  const genesis = driver.genesis(source)
  if (genesis) updates.push(genesis)
  for (const op of [...ops, { kind: 'textInsert', at: 0, text: 'x' } as const]) {
    const update = driver.apply(source, op)
    if (update) updates.push(update)
  }
  return { source, updates }
}

/** A fresh replica with `updates` applied one `applyUpdate` at a time. */
function oneByOne(driver: Driver, seed: number, updates: readonly Uint8Array[]): DocBackend {
  const target = driver.open(seededRandom(seed).fork('one-by-one'))
  for (const update of updates) target.applyUpdate(update)
  return target
}

describe.each(drivers)('$name applyUpdates', (driver) => {
  it('leaves the document as applyUpdate on each in order does, in any order', () => {
    fc.assert(
      fc.property(fc.integer(), fc.array(opArbitrary, { maxLength: 12 }), (seed, ops) => {
        const { source, updates } = updatesOf(driver, seed, ops)
        const batched = driver.open(seededRandom(seed).fork('batched'))
        expect(batched.applyUpdates(updates)).toBe(true)
        expect(batched.canonical()).toBe(source.canonical())
        expect(batched.canonical()).toBe(oneByOne(driver, seed, updates).canonical())
        // Again: nothing new. Reversed: libraries hold back what is not ready yet.
        expect(batched.applyUpdates(updates)).toBe(false)
        const reversed = driver.open(seededRandom(seed).fork('reversed'))
        reversed.applyUpdates([...updates].reverse())
        expect(reversed.canonical()).toBe(source.canonical())
      }),
      propertyOptions(FILE),
    )
  })

  it('takes snapshots among the updates, and nothing at all', () => {
    const { source, updates } = updatesOf(driver, 7, [{ kind: 'mapSet', key: 'a', value: 1 }])
    const target = driver.open(seededRandom(8))
    expect(target.applyUpdates([])).toBe(false)
    expect(target.applyUpdates([source.snapshot(), ...updates])).toBe(true)
    expect(target.canonical()).toBe(source.canonical())
  })

  it('throws CrdtDecodeError on an update it cannot read, value unchanged', () => {
    const { updates } = updatesOf(driver, 9, [{ kind: 'mapSet', key: 'a', value: 1 }])
    const target = driver.open(seededRandom(10))
    const before = target.canonical()
    expect(() => target.applyUpdates([...updates, GARBAGE])).toThrow(CrdtDecodeError)
    expect(target.canonical()).toBe(before)
  })
})

describe.each(drivers)('$name applyUpdatesIsolating', (driver) => {
  it('applies every readable update and reports each one it cannot read', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.array(opArbitrary, { maxLength: 12 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
        (seed, ops, spots) => {
          const { source, updates } = updatesOf(driver, seed, ops)
          const mixed = [...updates]
          for (const spot of spots) mixed.splice(spot % (mixed.length + 1), 0, GARBAGE)
          const target = driver.open(seededRandom(seed).fork('isolating'))
          const { changed, rejected } = applyUpdatesIsolating(target, mixed)
          expect(changed).toBe(true)
          expect(target.canonical()).toBe(source.canonical())
          const garbageAt = mixed.flatMap((update, index) => (update === GARBAGE ? [index] : []))
          expect(rejected.map(({ index }) => index)).toEqual(garbageAt)
          for (const { error } of rejected) expect(error).toBeInstanceOf(CrdtDecodeError)
        },
      ),
      propertyOptions(FILE),
    )
  })

  it('finds one bad update among many in a few calls, not one per update', () => {
    const { source, updates } = updatesOf(
      driver,
      11,
      Array.from({ length: 60 }, (_, i) => ({ kind: 'mapSet', key: 'a', value: i }) as const),
    )
    const target = driver.open(seededRandom(12))
    let calls = 0
    const counted: DocBackend = new Proxy(target, {
      get(backend, prop, receiver) {
        const value = Reflect.get(backend, prop, receiver)
        if (prop !== 'applyUpdate' && prop !== 'applyUpdates')
          return typeof value === 'function' ? value.bind(backend) : value
        return (...args: unknown[]) => {
          calls++
          return (value as (...a: unknown[]) => unknown).apply(backend, args)
        }
      },
    })
    const { rejected } = applyUpdatesIsolating(counted, [
      ...updates.slice(0, 30),
      GARBAGE,
      ...updates.slice(30),
    ])
    expect(rejected.map(({ index }) => index)).toEqual([30])
    expect(target.canonical()).toBe(source.canonical())
    expect(calls).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(updates.length + 1)) + 1)
  })
})

describe('yjs applyUpdates ids', () => {
  it('takes a new client id before a batch holding an update written under its own lands', () => {
    const a = createYjsBackend({ random: seededRandom(5) })
    const b = createYjsBackend({ random: seededRandom(5) }) // a 2^-32 accident, forced here
    const first = a.change((doc) => doc.getMap('m').set('k', 1)) as Uint8Array
    const second = a.change((doc) => doc.getMap('m').set('l', 2)) as Uint8Array
    expect(b.applyUpdates([first, second])).toBe(true)
    expect(b.ydoc.clientID).not.toBe(a.ydoc.clientID)
    a.applyUpdate(b.change((doc) => doc.getMap('m').set('j', 3)) as Uint8Array)
    expect(a.canonical()).toBe(b.canonical())
  })
})
