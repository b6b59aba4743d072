/**
 * `send()` returning false (a full link: the simulator's inFlightPerLinkMax)
 * is not ignored. Regressions for issue 7: a node joining with many documents
 * lost most of its sync starts, and a refused ack timed out a `replicas: k`
 * write that the peer held. What a link refuses is kept and sent again once
 * it takes frames (src/sync/send-backlog.ts).
 */
import { describe, expect, it } from 'vitest'
import type * as Y from 'yjs'
import { Simulation } from '../../sim/index.ts'

const ids = ['n1', 'n2']
const DOCS = 300

async function cluster(seed: number) {
  const sim = await Simulation.create({
    seed,
    nodes: ids,
    // A link holds 40 frames in flight: a burst of hundreds is refused in part.
    network: { latencyMs: [5, 10], inFlightPerLinkMax: 40 },
    node: { members: ids, heartbeatMs: 100 },
  })
  await sim.runFor(1_000)
  return sim
}

const sorted = (sim: Simulation, id: string) => JSON.stringify(sim.node(id).documentValues().sort())

describe('a full link', () => {
  it(`still delivers every one of ${DOCS} documents to a node that rejoins`, async () => {
    const sim = await cluster(1)
    sim.partition([['n1'], ['n2']])
    await sim.runFor(500)
    for (let i = 0; i < DOCS; i++) {
      const doc = await sim.node('n1').doc(`doc${i}`, { backend: 'yjs' })
      await doc.change((d: Y.Doc) => d.getMap('kv').set('k', i))
    }
    sim.heal()
    await sim.runFor(10_000)
    expect(sim.node('n2').documentValues()).toHaveLength(DOCS)
    expect(sorted(sim, 'n2')).toBe(sorted(sim, 'n1'))
    const refused = ids.map((id) => sim.node(id).metrics().sendsRefused as number)
    expect(refused[1]).toBeGreaterThan(0) // n2's sync starts met a full link
    await sim.stop()
  })

  it('does not lose the acks of a burst of replicas: 2 writes', async () => {
    const sim = await cluster(2)
    const writes: Array<Promise<string>> = []
    for (let i = 0; i < DOCS; i++) {
      const doc = await sim.node('n1').doc(`doc${i}`, { backend: 'yjs' })
      writes.push(
        doc
          .change((d: Y.Doc) => d.getMap('kv').set('k', i), { replicas: 2, timeoutMs: 5_000 })
          .then(
            () => 'held',
            (error: unknown) => String(error),
          ),
      )
    }
    const outcomes = await sim.until(Promise.all(writes), { maxMs: 8_000 })
    expect(outcomes.filter((o) => o !== 'held')).toEqual([])
    expect(sim.node('n2').metrics().sendsRefused as number).toBeGreaterThan(0)
    await sim.stop()
  })
})
