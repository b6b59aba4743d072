/**
 * Five real nodes on a lightly lossy simulated LAN, run until membership has
 * settled (3 s of virtual time at 250 ms heartbeats): the starting point of
 * the membership and degradation tests.
 */
import { Simulation } from '../../sim/index.ts'

export const CLUSTER_IDS = ['n1', 'n2', 'n3', 'n4', 'n5']

export async function settledCluster(seed: number): Promise<Simulation> {
  const sim = await Simulation.create({
    seed,
    nodes: CLUSTER_IDS,
    network: { latencyMs: [1, 30], loss: 0.01 },
    node: { heartbeatMs: 250, members: CLUSTER_IDS },
  })
  await sim.runFor(3_000)
  return sim
}
