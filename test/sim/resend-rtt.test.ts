/**
 * A lost sync message is resent after a timeout tied to the measured round
 * trip (DESIGN §4, anti-entropy), not a fixed multi-second wait. Regression
 * for issue 7: a lost sync message held a document's pull for a fixed 2 s,
 * so replicas still differed up to ~2 s after a heal under loss. And once
 * the repair is over, `pendingWork()` is empty on every node (nothing sticks
 * while idle), while it is not empty during the repair.
 */
import { describe, expect, it } from 'vitest'
import type * as Y from 'yjs'
import { Simulation } from '../../sim/index.ts'

const ids = ['n1', 'n2', 'n3']
const seeds = Array.from({ length: 12 }, (_, i) => i + 1)
/**
 * Virtual ms from heal to every replica equal that the test allows. Measured
 * on these seeds: before the fix 2.15-6.4 s (a lost message held a pull for
 * 2 s); after it 0.3-1.7 s (most under 1.2 s; the tail is a pull whose peer
 * was never measured, backing off from RTO_INITIAL_MS).
 */
const HEAL_CONVERGED_MS_MAX = 2_000

function agree(sim: Simulation): boolean {
  const values = ids.map((id) => JSON.stringify(sim.node(id).documentValues().sort()))
  return values.every((v) => v === values[0])
}

describe('after a heal under 20% loss', () => {
  it.each(seeds)('seed %i: replicas agree soon, and nothing stays pending once they do', async (seed) => {
    const sim = await Simulation.create({
      seed,
      nodes: ids,
      network: { latencyMs: [5, 15], loss: 0.2 },
      node: { members: ids, heartbeatMs: 100 },
    })
    await sim.runFor(1_000)
    sim.partition([['n1'], ['n2', 'n3']])
    await sim.runFor(1_000)
    for (let d = 0; d < 6; d++) {
      const doc = await sim.node(d % 2 === 0 ? 'n1' : 'n2').doc(`doc${d}`, { backend: 'yjs' })
      await doc.change((y: Y.Doc) => y.getMap('kv').set('k', `v${d}`))
    }
    sim.heal()
    const healedMs = sim.nowMs
    let sawPending = false
    while (!agree(sim) && sim.nowMs - healedMs < 10_000) {
      await sim.runFor(10)
      sawPending ||= ids.some((id) => sim.node(id).pendingWork().length > 0)
    }
    const tookMs = sim.nowMs - healedMs
    expect(agree(sim)).toBe(true)
    expect(tookMs, `seed ${seed}: converged ${tookMs} ms after the heal`).toBeLessThan(HEAL_CONVERGED_MS_MAX)
    expect(sawPending).toBe(true)
    await sim.runFor(3_000)
    for (const id of ids) expect(sim.node(id).pendingWork(), id).toEqual([])
    await sim.stop()
  })
})
