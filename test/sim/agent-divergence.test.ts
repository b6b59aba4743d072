/**
 * `diverged` and `converged` with real nodes: writes on both sides of a split
 * make the vectors concurrent, so healing announces `diverged` with per-origin
 * counts, then `converged` once the vectors are equal again.
 */

import { describe, expect, it } from 'vitest'
import type * as Y from 'yjs'
import { Simulation } from '../../sim/index.ts'

const ids = ['n1', 'n2', 'n3']

describe('diverged and converged', () => {
  it.each([1, 2, 3, 4, 5])(
    'seed %i: announced around a healed split with writes on both sides',
    async (seed) => {
      const sim = await Simulation.create({
        seed,
        nodes: ids,
        network: { latencyMs: [1, 20] },
        node: { heartbeatMs: 250, members: ids },
      })
      await sim.runFor(1_000)
      const diverged: Array<{ at: string; peer: string; missingHere: Record<string, number> }> = []
      const converged: Array<{ at: string; peer: string }> = []
      for (const id of ids) {
        sim.node(id).on('diverged', (e) => diverged.push({ at: id, ...e }))
        sim.node(id).on('converged', (e) => converged.push({ at: id, ...e }))
      }
      sim.partition([['n1'], ['n2', 'n3']])
      await sim.runFor(1_000)
      const write = async (id: string, key: string) => {
        const plan = await sim.node(id).doc('plan', { backend: 'yjs' })
        await plan.change((d) => (d as Y.Doc).getMap('kv').set(key, id))
      }
      await write('n1', 'a')
      await write('n1', 'b')
      await write('n2', 'c')
      await sim.runFor(1_000)
      expect(diverged).toEqual([])
      sim.heal()
      await sim.runFor(3_000)
      // n1 meets the other side through whichever of n2, n3 it reaches first; after pulling from
      // that one it no longer lacks anything, so one announcement per side is what to expect.
      const seenByN1 = diverged.filter((d) => d.at === 'n1')
      expect(seenByN1.length).toBeGreaterThanOrEqual(1)
      expect(seenByN1[0]?.missingHere).toEqual({ n2: 1 })
      const seenByOtherSide = diverged.filter((d) => d.at !== 'n1' && d.peer === 'n1')
      expect(seenByOtherSide.length).toBeGreaterThanOrEqual(1)
      for (const d of seenByOtherSide) expect(d.missingHere).toEqual({ n1: 2 })
      for (const d of diverged) expect(converged.some((c) => c.at === d.at && c.peer === d.peer)).toBe(true)
      for (const id of ids) expect(sim.node(id).versionVector()).toEqual({ n1: 2, n2: 1 })
      await sim.stop()
    },
  )
})
