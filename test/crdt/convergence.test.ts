/**
 * Convergence (DESIGN.md §4): replicas that edit concurrently, exchange their
 * updates over a lossy network (shuffled, duplicated, some dropped), then
 * resync pairwise through `syncWith`, end byte-identical in canonical JSON.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { DocBackend } from '../../crdt/backend.ts'
import { seededRandom } from '../../src/env/seeded-random.ts'
import type { Random } from '../../src/env/types.ts'
import { type Driver, drivers, type Op, opArbitrary } from './ops.ts'
import { propertyOptions } from './property-options.ts'
import { syncAll } from './sync-harness.ts'

const FILE = 'test/crdt/convergence.test.ts'

interface Sent {
  from: number
  update: Uint8Array
}

/** Every update goes to every other replica 0 (dropped, 20%), 1 (60%) or 2 (duplicated, 20%) times, in shuffled order. */
function deliverLossy(replicas: readonly DocBackend[], sent: readonly Sent[], random: Random): void {
  replicas.forEach((target, index) => {
    const inbox: Uint8Array[] = []
    for (const { from, update } of sent) {
      if (from === index) continue
      const draw = random.next()
      const copies = draw < 0.2 ? 0 : draw < 0.8 ? 1 : 2
      for (let c = 0; c < copies; c++) inbox.push(update)
    }
    shuffle(inbox, random)
    for (const update of inbox) target.applyUpdate(update)
  })
}

function shuffle<T>(items: T[], random: Random): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1))
    ;[items[i], items[j]] = [items[j] as T, items[i] as T]
  }
}

/** Opens `count` replicas that all start from the driver's genesis edit. */
function openReplicas(driver: Driver, count: number, random: Random): DocBackend[] {
  const replicas = Array.from({ length: count }, (_, i) => driver.open(random.fork(`replica-${i}`)))
  const genesis = driver.genesis(replicas[0] as DocBackend)
  if (genesis) for (const replica of replicas.slice(1)) replica.applyUpdate(genesis)
  return replicas
}

const scenario = fc.record({
  seed: fc.integer(),
  replicas: fc.integer({ min: 2, max: 5 }),
  steps: fc.array(fc.record({ replica: fc.nat(), op: opArbitrary }), { maxLength: 30 }),
})

/** Runs each step's operation on its replica; returns the updates to deliver, by sender. */
function applySteps(
  driver: Driver,
  replicas: DocBackend[],
  steps: Array<{ replica: number; op: unknown }>,
): Sent[] {
  const sent: Sent[] = []
  for (const { replica, op } of steps) {
    const from = replica % replicas.length
    const update = driver.apply(replicas[from] as DocBackend, op as Op)
    if (update) sent.push({ from, update })
  }
  return sent
}

describe.each(drivers)('$name replicas', (driver) => {
  it('converge after lossy delivery and pairwise resync', () => {
    fc.assert(
      fc.property(scenario, ({ seed, replicas: count, steps }) => {
        const random = seededRandom(seed)
        const replicas = openReplicas(driver, count, random)
        const sent = applySteps(driver, replicas, steps)
        deliverLossy(replicas, sent, random.fork('network'))
        syncAll(replicas)
        const canonical = replicas.map((replica) => replica.canonical())
        for (const other of canonical) expect(other).toBe(canonical[0])
        for (const replica of replicas) replica.destroy()
      }),
      propertyOptions(FILE),
    )
  })

  it('converge from lossless delivery alone, in any order', () => {
    fc.assert(
      fc.property(scenario, ({ seed, replicas: count, steps }) => {
        const random = seededRandom(seed)
        const replicas = openReplicas(driver, count, random)
        const sent = applySteps(driver, replicas, steps)
        const order = random.fork('order')
        replicas.forEach((target, index) => {
          const inbox = sent.filter((s) => s.from !== index).map((s) => s.update)
          shuffle(inbox, order)
          for (const update of inbox) target.applyUpdate(update)
        })
        const canonical = replicas.map((replica) => replica.canonical())
        for (const other of canonical) expect(other).toBe(canonical[0])
      }),
      propertyOptions(FILE),
    )
  })
})
