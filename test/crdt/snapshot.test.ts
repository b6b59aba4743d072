/**
 * Snapshots: `snapshot()` → `open({ snapshot })` keeps `canonical()`, and the
 * loaded replica is a full peer: it edits under a fresh id and keeps syncing.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { seededRandom } from '../../src/env/seeded-random.ts'
import { drivers, opArbitrary } from './ops.ts'
import { propertyOptions } from './property-options.ts'
import { syncPair } from './sync-harness.ts'

const FILE = 'test/crdt/snapshot.test.ts'

const history = fc.record({
  seed: fc.integer(),
  before: fc.array(opArbitrary, { maxLength: 25 }),
  afterLoaded: fc.array(opArbitrary, { maxLength: 10 }),
  afterPeer: fc.array(opArbitrary, { maxLength: 10 }),
})

describe.each(drivers)('$name snapshots', (driver) => {
  it('load with the same canonical value, and the loaded replica keeps syncing', () => {
    fc.assert(
      fc.property(history, ({ seed, before, afterLoaded, afterPeer }) => {
        const random = seededRandom(seed)
        const original = driver.open(random.fork('original'))
        const peer = driver.open(random.fork('peer'))
        for (const update of [driver.genesis(original), ...before.map((op) => driver.apply(original, op))]) {
          if (update) peer.applyUpdate(update)
        }
        const loaded = driver.open(random.fork('loaded'), original.snapshot())
        expect(loaded.canonical()).toBe(original.canonical())
        for (const op of afterLoaded) driver.apply(loaded, op)
        for (const op of afterPeer) driver.apply(peer, op)
        syncPair(loaded, peer)
        syncPair(original, peer)
        expect(loaded.canonical()).toBe(peer.canonical())
        expect(original.canonical()).toBe(peer.canonical())
      }),
      propertyOptions(FILE),
    )
  })

  it('two replicas loaded from one snapshot edit independently and converge', () => {
    fc.assert(
      fc.property(history, ({ seed, before, afterLoaded, afterPeer }) => {
        const random = seededRandom(seed)
        const original = driver.open(random.fork('original'))
        driver.genesis(original)
        for (const op of before) driver.apply(original, op)
        const snapshot = original.snapshot()
        const first = driver.open(random.fork('first'), snapshot)
        const second = driver.open(random.fork('second'), snapshot)
        for (const op of afterLoaded) driver.apply(first, op)
        for (const op of afterPeer) driver.apply(second, op)
        syncPair(first, second)
        expect(first.canonical()).toBe(second.canonical())
      }),
      propertyOptions(FILE),
    )
  })

  it('accepts a snapshot as an update', () => {
    const random = seededRandom(11)
    const a = driver.open(random.fork('a'))
    driver.genesis(a)
    driver.apply(a, { kind: 'textInsert', at: 0, text: 'hello' })
    driver.apply(a, { kind: 'mapSet', key: 'b', value: 2 })
    const b = driver.open(random.fork('b'))
    expect(b.applyUpdate(a.snapshot())).toBe(true)
    expect(b.canonical()).toBe(a.canonical())
    expect(b.applyUpdate(a.snapshot())).toBe(false)
  })
})
