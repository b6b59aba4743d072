/**
 * Views under faults, with real nodes: who is reachable, whether a side holds
 * the majority, and "C crashed" (nobody reaches C: dead) told apart from
 * "I am cut off from C" (someone I hear still hears C: suspect).
 */
import { describe, expect, it } from 'vitest'
import type { Simulation } from '../../sim/index.ts'
import type { NodeEvents } from '../../src/node/agent-node.ts'
import { CLUSTER_IDS, settledCluster } from '../support/settled-cluster.ts'

const ids = CLUSTER_IDS
const seeds = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]

const cluster = settledCluster

function statusOf(sim: Simulation, viewer: string, member: string): string | undefined {
  return sim
    .node(viewer)
    .view()
    .members.find((m) => m.id === member)?.status
}

describe('membership views with real nodes', () => {
  it.each(seeds)('seed %i: a 2|3 split is seen from both sides, then heals', async (seed) => {
    const sim = await cluster(seed)
    for (const id of ids) expect(sim.node(id).view()).toMatchObject({ partitioned: false, majority: true })
    const events: Array<[string, keyof NodeEvents]> = []
    for (const id of ids) {
      sim.node(id).on('partition', () => events.push([id, 'partition']))
      sim.node(id).on('heal', () => events.push([id, 'heal']))
    }
    sim.partition([
      ['n1', 'n2'],
      ['n3', 'n4', 'n5'],
    ])
    await sim.runFor(3_000)
    expect(sim.node('n1').view()).toMatchObject({
      reachable: ['n1', 'n2'],
      partitioned: true,
      majority: false,
    })
    expect(sim.node('n4').view()).toMatchObject({
      reachable: ['n3', 'n4', 'n5'],
      partitioned: true,
      majority: true,
    })
    sim.heal()
    await sim.runFor(3_000)
    for (const id of ids) {
      expect(sim.node(id).view()).toMatchObject({ reachable: ids, partitioned: false, majority: true })
      expect(events.filter(([who, what]) => who === id && what === 'partition')).toHaveLength(1)
      expect(events.filter(([who, what]) => who === id && what === 'heal')).toHaveLength(1)
    }
    await sim.stop()
  })

  it.each(seeds)(
    'seed %i: a crashed node becomes dead; a one-way cut only makes it suspect',
    async (seed) => {
      const sim = await cluster(seed)
      sim.crash('n5')
      sim.oneWay('n1', 'n2') // n2 no longer hears n1; everyone else does
      await sim.runFor(8_000)
      for (const viewer of ['n1', 'n2', 'n3', 'n4']) expect(statusOf(sim, viewer, 'n5')).toBe('dead')
      expect(statusOf(sim, 'n2', 'n1')).toBe('suspect')
      expect(statusOf(sim, 'n3', 'n1')).toBe('alive')
      expect(sim.node('n3').view().majority).toBe(true)
      sim.restart('n5')
      sim.heal()
      await sim.runFor(3_000)
      for (const viewer of ['n1', 'n2', 'n3', 'n4']) expect(statusOf(sim, viewer, 'n5')).toBe('alive')
      await sim.stop()
    },
  )
})
