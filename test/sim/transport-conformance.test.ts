import { type SimNodeLike, Simulation } from '../../sim/index.ts'
import { runTransportConformance, type TransportUnderTest } from '../../transport/conformance.ts'

/** A node that hands its transport to the suite instead of starting it. */
interface Handed extends SimNodeLike {
  under: TransportUnderTest
}

runTransportConformance('simulated', async (count) => {
  const sim = await Simulation.create<Handed>({
    seed: 7,
    nodes: count,
    network: { latencyMs: [1, 30] },
    createNode: async ({ transport, env, store }) => ({
      under: {
        transport,
        env,
        identity: { load: () => store.getMeta('id'), save: (v) => store.putMeta('id', v) },
      },
      start: async () => {},
      stop: async () => {},
    }),
  })
  return { peers: sim.ids.map((id) => sim.node(id).under), advance: (ms) => sim.runFor(ms) }
})

runTransportConformance('simulated, long-tailed latency', async (count) => {
  const sim = await Simulation.create<Handed>({
    seed: 8,
    nodes: count,
    network: { latencyMs: { kind: 'pareto', minMs: 2, alpha: 1.5, maxMs: 2000 } },
    createNode: async ({ transport, env }) => ({
      under: { transport, env, identity: { load: async () => undefined, save: async () => {} } },
      start: async () => {},
      stop: async () => {},
    }),
  })
  return { peers: sim.ids.map((id) => sim.node(id).under), advance: (ms) => sim.runFor(ms) }
})
