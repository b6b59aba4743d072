/**
 * Document handles on real nodes in the simulator: direct Y.Doc edits
 * replicate and persist, change events name their origin, a document keeps
 * its backend, every node holds every document (full replication), and a
 * burst that overflows a peer's queue is recovered by a resync.
 */
import { describe, expect, it } from 'vitest'
import type * as Y from 'yjs'
import { Simulation } from '../../sim/index.ts'
import { BackendMismatchError } from '../../src/errors.ts'

const ids = ['n1', 'n2', 'n3']

async function cluster(seed: number) {
  const sim = await Simulation.create({
    seed,
    nodes: ids,
    // Frames as large as the wire allows (FRAME_BYTES_MAX), as over libp2p: the burst test's resync is one 10 MiB frame.
    network: { latencyMs: [1, 20], frameBytesMax: 32 * 1024 * 1024 },
    node: { members: ids },
  })
  await sim.runFor(1_000)
  return sim
}

describe('document handles on real nodes', () => {
  it('direct Y.Doc edits replicate, flush() says when they are durable, and they survive a restart', async () => {
    const sim = await cluster(1)
    const plan = await sim.node('n1').doc('plan', { backend: 'yjs' })
    plan.ydoc.getMap('goals').set('g1', 'ship')
    await sim.until(plan.flush(), { maxMs: 1_000 })
    sim.crash('n1')
    sim.restart('n1')
    await sim.runFor(2_000)
    for (const id of ids) {
      const copy = await sim.node(id).doc('plan', { backend: 'yjs' })
      expect(copy.value()).toEqual({ goals: { g1: 'ship' } })
    }
    await sim.stop()
  })

  it('change events name their origin: local, or the peer that delivered it', async () => {
    const sim = await cluster(2)
    const a = await sim.node('n1').doc('plan', { backend: 'yjs' })
    const b = await sim.node('n2').doc('plan', { backend: 'yjs' })
    const seenAtA: string[] = []
    const seenAtB: string[] = []
    a.on('change', ({ origin }) => seenAtA.push(origin))
    b.on('change', ({ origin }) => seenAtB.push(origin))
    await a.change((d: Y.Doc) => d.getMap('kv').set('x', 1))
    await sim.runFor(500)
    expect(seenAtA).toEqual(['local'])
    expect(seenAtB).toEqual(['n1'])
    await sim.stop()
  })

  it('keeps a document on its backend, and every node holds every document', async () => {
    const sim = await cluster(3)
    const notes = await sim.node('n1').doc<{ items?: string[] }>('notes', { backend: 'automerge' })
    await notes.change((d) => {
      d.items ??= []
      d.items.push('x')
    })
    await sim.runFor(1_000)
    // n3 never opened "notes", yet holds it and opens it with its backend.
    expect(sim.node('n3').documentValues()).toEqual([['notes', '{"items":["x"]}']])
    await expect(sim.node('n3').doc('notes', { backend: 'yjs' })).rejects.toBeInstanceOf(BackendMismatchError)
    expect((await sim.node('n3').doc('notes', { backend: 'automerge' })).value()).toEqual({ items: ['x'] })
    await sim.stop()
  })

  it('a burst that overflows a peer queue is recovered by a resync, losing nothing', async () => {
    const sim = await cluster(4)
    const plan = await sim.node('n1').doc('plan', { backend: 'yjs' })
    const todo = await sim.node('n1').doc('todo', { backend: 'yjs' })
    const big = 'x'.repeat(1024 * 1024)
    // Ten 1 MiB writes to each of two documents in one tick: each document's log writes a batch
    // of up to 8 MiB, both batches land in one store write, and together they are more than the
    // 8 MiB a peer queue holds.
    const writes = [plan, todo].flatMap((handle) =>
      Array.from({ length: 10 }, (_, i) => handle.change((d: Y.Doc) => d.getMap('kv').set(`k${i}`, big))),
    )
    await sim.until(Promise.all(writes), { maxMs: 1_000 })
    await sim.runFor(3_000)
    expect(sim.node('n1').metrics().resyncs).toBeGreaterThan(0)
    for (const id of ['n2', 'n3']) {
      for (const name of ['plan', 'todo']) {
        const kv = (
          (await sim.node(id).doc(name, { backend: 'yjs' })).value() as { kv: Record<string, string> }
        ).kv
        expect(Object.keys(kv).length).toBe(10)
      }
    }
    await sim.stop()
  })
})
