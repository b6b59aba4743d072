/**
 * `node.forget(id)` (DESIGN §3): a member that will not come back is removed
 * for good. Regression for issue 7: membership never forgot a member, so one
 * replaced node left every other node `partitioned: true` forever. Its
 * majority vote goes with it, the tombstone survives a restart, and gossip
 * from a peer that still remembers it does not bring it back.
 */
import { describe, expect, it } from 'vitest'
import { Simulation } from '../../sim/index.ts'

describe('forget(id)', () => {
  it('heals the view of a node whose peer is gone for good, across gossip and restarts', async () => {
    const ids = ['n1', 'n2', 'n3', 'n4']
    const sim = await Simulation.create({
      seed: 5,
      nodes: ids,
      network: { latencyMs: [1, 10] },
      node: { members: ids, heartbeatMs: 100 },
    })
    await sim.runFor(1_000)
    sim.crash('n4') // replaced: never comes back
    await sim.runFor(3_000)
    expect(sim.node('n1').view().partitioned).toBe(true)
    sim.node('n1').forget('n4') // only n1 forgets: n2 and n3 keep gossiping n4
    await sim.runFor(3_000)
    const view = sim.node('n1').view()
    expect(view.members.map((m) => m.id)).toEqual(['n2', 'n3'])
    expect(view.partitioned).toBe(false)
    expect(view.majority).toBe(true)
    expect(sim.node('n2').view().partitioned).toBe(true) // n2 did not forget
    sim.crash('n1')
    sim.restart('n1')
    await sim.runFor(3_000)
    expect(
      sim
        .node('n1')
        .view()
        .members.map((m) => m.id),
    ).toEqual(['n2', 'n3'])
    expect(sim.node('n1').view().partitioned).toBe(false)
    await sim.stop()
  })

  it('takes the vote away: two of three left after forgetting the fourth is a majority', async () => {
    const ids = ['n1', 'n2', 'n3', 'n4']
    const sim = await Simulation.create({
      seed: 6,
      nodes: ids,
      network: { latencyMs: [1, 10] },
      node: { members: ids, heartbeatMs: 100 },
    })
    await sim.runFor(1_000)
    sim.crash('n4')
    sim.partition([['n1', 'n2'], ['n3']])
    await sim.runFor(3_000)
    expect(sim.node('n1').view().majority).toBe(false) // 2 of 4
    sim.node('n1').forget('n4')
    await sim.runFor(500)
    expect(sim.node('n1').view().majority).toBe(true) // 2 of 3
    await sim.stop()
  })
})
