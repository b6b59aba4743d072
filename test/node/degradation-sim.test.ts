/**
 * Degradation with real nodes in the simulator: the level follows a
 * partition (the minority side degraded, the majority full, everyone full
 * after healing; an isolated node minimal), shows in view(), the
 * `degradation` event, metrics() and Prometheus, and takes user reasons.
 */
import { describe, expect, it } from 'vitest'
import type { Degradation } from '../../src/node/degradation.ts'
import { CLUSTER_IDS, settledCluster } from '../support/settled-cluster.ts'

const ids = CLUSTER_IDS

const cluster = settledCluster

describe('degradation with real nodes', () => {
  it.each([1, 2, 3])('seed %i: minority → degraded, majority stays full, heal → full', async (seed) => {
    const sim = await cluster(seed)
    for (const id of ids) expect(sim.node(id).view().degradation).toEqual({ level: 'full', reasons: [] })
    const changes: Array<[string, Degradation]> = []
    for (const id of ids) sim.node(id).on('degradation', (d) => changes.push([id, d]))
    sim.partition([
      ['n1', 'n2'],
      ['n3', 'n4', 'n5'],
    ])
    await sim.runFor(3_000)
    for (const id of ['n1', 'n2'])
      expect(sim.node(id).view().degradation).toEqual({ level: 'degraded', reasons: ['minority side'] })
    for (const id of ['n3', 'n4', 'n5']) expect(sim.node(id).view().degradation.level).toBe('full')
    expect(sim.node('n1').metrics()).toMatchObject({ degradation: { level: 'degraded' } })
    expect(await sim.node('n1').metricsText()).toMatch(/^isthmus_degradation_level\{node="[^"]+"\} 1$/m)
    sim.heal()
    await sim.runFor(3_000)
    for (const id of ids) expect(sim.node(id).view().degradation).toEqual({ level: 'full', reasons: [] })
    expect(await sim.node('n1').metricsText()).toMatch(/^isthmus_degradation_level\{node="[^"]+"\} 0$/m)
    // One change into degraded and one back, on each minority node; none on the majority.
    for (const id of ['n1', 'n2'])
      expect(changes.filter(([who]) => who === id).map(([, d]) => d.level)).toEqual(['degraded', 'full'])
    expect(changes.filter(([who]) => ['n3', 'n4', 'n5'].includes(who))).toEqual([])
    await sim.stop()
  })

  it('an isolated node has no reachable peer: minimal; user reasons add and go', async () => {
    const sim = await cluster(4)
    sim.isolate('n3')
    await sim.runFor(4_000)
    expect(sim.node('n3').view().degradation).toEqual({
      level: 'minimal',
      reasons: ['minority side', 'no reachable peer'],
    })
    sim.heal()
    await sim.runFor(3_000)
    const node = sim.node('n3')
    node.degrade('model quota low')
    expect(node.view().degradation).toEqual({ level: 'degraded', reasons: ['model quota low'] })
    node.restore('model quota low')
    expect(node.view().degradation.level).toBe('full')
    await sim.stop()
  })
})
