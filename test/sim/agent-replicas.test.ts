/**
 * `change(fn, { replicas: k })` with real nodes in the simulator: it resolves
 * only once k nodes hold the change durably, so the change survives the loss
 * of any k-1 of them; and it rejects with ReplicationTimeoutError when k
 * nodes cannot be reached in time.
 */

import { describe, expect, it } from 'vitest'
import type * as Y from 'yjs'
import { Simulation } from '../../sim/index.ts'
import { ReplicationTimeoutError } from '../../src/errors.ts'

const ids = ['n1', 'n2', 'n3', 'n4', 'n5']
const seeds = Array.from({ length: 20 }, (_, i) => i + 1)

async function cluster(seed: number) {
  const sim = await Simulation.create({
    seed,
    nodes: ids,
    network: { latencyMs: [1, 30], loss: 0.02, duplicate: 0.01 },
    node: { heartbeatMs: 250, members: ids },
  })
  await sim.runFor(2_000)
  return sim
}

const kvOf = async (sim: Simulation, id: string) =>
  ((await sim.node(id).doc('plan', { backend: 'yjs' })).value() as { kv?: Record<string, string> }).kv ?? {}

describe('replicas: k', () => {
  it.each(seeds)('seed %i: a write held by 3 survives the loss of 2 of them', async (seed) => {
    const sim = await cluster(seed)
    sim.partition([
      ['n1', 'n2', 'n3'],
      ['n4', 'n5'],
    ])
    await sim.runFor(2_000)
    const plan = await sim.node('n1').doc('plan', { backend: 'yjs' })
    await sim.until(
      plan.change((d) => (d as Y.Doc).getMap('kv').set('precious', 'yes'), { replicas: 3 }),
      {
        maxMs: 5_000,
      },
    )
    // The two holders we lose: the writer and one other; n3 is the only copy left.
    sim.crash('n1')
    sim.crash('n2')
    sim.heal()
    await sim.runFor(5_000)
    for (const id of ['n3', 'n4', 'n5']) expect((await kvOf(sim, id)).precious).toBe('yes')
    await sim.stop()
  })

  it.each(seeds.slice(0, 5))(
    'seed %i: rejects with ReplicationTimeoutError when too few are reachable',
    async (seed) => {
      const sim = await cluster(seed)
      sim.isolate('n1')
      await sim.runFor(2_000)
      const plan = await sim.node('n1').doc('plan', { backend: 'yjs' })
      const write = plan.change((d) => (d as Y.Doc).getMap('kv').set('lonely', 'yes'), {
        replicas: 2,
        timeoutMs: 1_000,
      })
      const outcome = write.then(
        () => 'resolved',
        (error: unknown) => error,
      )
      await sim.until(outcome, { maxMs: 3_000 })
      const error = await outcome
      expect(error).toBeInstanceOf(ReplicationTimeoutError)
      expect((error as ReplicationTimeoutError).held).toBe(1)
      // Acknowledged locally all the same: after healing everyone has it.
      sim.heal()
      await sim.runFor(5_000)
      for (const id of ids) expect((await kvOf(sim, id)).lonely).toBe('yes')
      await sim.stop()
    },
  )
})
