/**
 * Bad input (DESIGN.md §4): bytes a backend cannot read are refused with a
 * CrdtDecodeError and leave the document's value as it was; they never throw
 * anything else and never stop the replica from working.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { DocBackend } from '../../crdt/backend.ts'
import { CrdtDecodeError } from '../../crdt/errors.ts'
import { seededRandom } from '../../src/env/seeded-random.ts'
import { type Driver, drivers, type Op, opArbitrary } from './ops.ts'
import { propertyOptions } from './property-options.ts'
import { syncPair } from './sync-harness.ts'

const FILE = 'test/crdt/bad-input.test.ts'

const edits = fc.array(opArbitrary, { minLength: 1, maxLength: 12 })

interface Edited {
  replica: DocBackend
  genesis: Uint8Array | null
  /** Never empty: the edits end with a text insert, which always changes something. */
  updates: Uint8Array[]
}

/** A replica with some content, and the updates that made it. */
function edited(driver: Driver, seed: number, ops: Op[]): Edited {
  const replica = driver.open(seededRandom(seed))
  const genesis = driver.genesis(replica)
  const updates: Uint8Array[] = []
  for (const op of [...ops, { kind: 'textInsert', at: 0, text: 'x' } as const]) {
    const update = driver.apply(replica, op)
    if (update) updates.push(update)
  }
  return { replica, genesis, updates }
}

/** A replica that shares the source's genesis (its containers) and nothing else. */
function openTarget(driver: Driver, seed: number, source: Edited): DocBackend {
  const target = driver.open(seededRandom(seed).fork('target'))
  if (source.genesis) target.applyUpdate(source.genesis)
  return target
}

/** Applies `bytes`; returns 'rejected' (with the value checked unchanged) or 'accepted'. */
function applyHostile(target: DocBackend, bytes: Uint8Array): 'rejected' | 'accepted' {
  const before = target.canonical()
  try {
    target.applyUpdate(bytes)
    return 'accepted'
  } catch (error) {
    expect(error).toBeInstanceOf(CrdtDecodeError)
    expect((error as Error).name).toBe('CrdtDecodeError')
    expect(target.canonical()).toBe(before)
    return 'rejected'
  }
}

/** The replica still edits and syncs after what it was fed. */
function expectStillWorks(driver: Driver, target: DocBackend, seed: number): void {
  driver.apply(target, { kind: 'mapSet', key: 'a', value: 'after' })
  const fresh = driver.open(seededRandom(seed).fork('fresh'))
  syncPair(target, fresh)
  expect(fresh.canonical()).toBe(target.canonical())
}

describe.each(drivers)('$name applyUpdate on bad bytes', (driver) => {
  it('refuses random bytes (or reads them as a harmless update), value unchanged on refusal', () => {
    fc.assert(
      fc.property(fc.integer(), edits, fc.uint8Array({ maxLength: 64 }), (seed, ops, garbage) => {
        const { replica } = edited(driver, seed, ops)
        const outcome = applyHostile(replica, garbage)
        if (driver.name === 'automerge') expect(outcome).toBe('rejected')
        expectStillWorks(driver, replica, seed)
      }),
      propertyOptions(FILE),
    )
  })

  it('refuses every truncated update, value unchanged', () => {
    fc.assert(
      fc.property(fc.integer(), edits, fc.nat(), fc.nat(), (seed, ops, pick, cut) => {
        const source = edited(driver, seed, ops)
        const target = openTarget(driver, seed, source)
        const update = source.updates[pick % source.updates.length] as Uint8Array
        expect(applyHostile(target, update.subarray(0, cut % update.length))).toBe('rejected')
        expectStillWorks(driver, target, seed)
      }),
      propertyOptions(FILE),
    )
  })

  it('refuses a flipped byte with the value unchanged, or applies it as some other well-formed update', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        edits,
        fc.nat(),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (seed, ops, pick, at, flip) => {
          const source = edited(driver, seed, ops)
          const target = openTarget(driver, seed, source)
          const update = (source.updates[pick % source.updates.length] as Uint8Array).slice()
          const index = at % update.length
          update[index] = (update[index] ?? 0) ^ flip
          const outcome = applyHostile(target, update)
          // Automerge chunks carry a checksum; the Yjs format has none (see yjs-update-check.ts).
          if (driver.name === 'automerge') expect(outcome).toBe('rejected')
          expectStillWorks(driver, target, seed)
        },
      ),
      propertyOptions(FILE),
    )
  })
})

describe.each(drivers)('$name sync on bad bytes', (driver) => {
  it('receive() refuses garbage with CrdtDecodeError and changes nothing', () => {
    fc.assert(
      fc.property(fc.integer(), edits, fc.uint8Array({ maxLength: 64 }), (seed, ops, garbage) => {
        const { replica } = edited(driver, seed, ops)
        const before = replica.canonical()
        const session = replica.syncWith()
        try {
          session.receive(garbage)
        } catch (error) {
          expect(error).toBeInstanceOf(CrdtDecodeError)
        }
        expect(replica.canonical()).toBe(before)
        expect(session.caughtUp).toBe(false)
      }),
      propertyOptions(FILE),
    )
  })

  it('refuses a saved session it cannot read', () => {
    const replica = driver.open(seededRandom(5))
    expect(() => replica.syncWith(Uint8Array.from([0xff, 0xfe, 0xfd]))).toThrow(CrdtDecodeError)
  })

  it('refuses a snapshot it cannot read', () => {
    expect(() => driver.open(seededRandom(5), Uint8Array.from([1, 2, 3, 4, 5]))).toThrow(CrdtDecodeError)
  })
})
