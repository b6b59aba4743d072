/**
 * Measures the simulator (not a test): events/s and virtual seconds per wall
 * second for the counter protocol on 5, 20 and 100 nodes at a 250 ms
 * heartbeat, a bare heap loop doing the same number of events for
 * comparison, and seeds per minute of the 5-node partition-heal scenario.
 *
 *   npx node test/sim/measure-speed.ts
 */

import {
  EventQueue,
  type SimEvent,
  type SimNodeFactory,
  type SimNodeLike,
  Simulation,
} from '../../sim/index.ts'
import { seededRandom } from '../../src/env/seeded-random.ts'
import { type CounterNode, counterNode } from './counter-node.ts'
import { runCounterScenario } from './counter-run.ts'

/** The simulator's own cost: a heartbeat of one 16-byte frame to 2 random peers, no encoding. */
const pingNode: SimNodeFactory<SimNodeLike> = async ({ env, transport }) => {
  const frame = new Uint8Array(16)
  const beat = () => {
    const peers = transport.connected()
    for (let i = 0; i < 2; i++)
      transport.send(peers[Math.floor(env.random.next() * peers.length)] ?? '', frame)
    env.clock.setTimer(250, beat)
  }
  const events = { frame() {}, connect() {}, disconnect() {} }
  const identity = { load: async () => undefined, save: async () => {} }
  return {
    start: async () => {
      await transport.start({ env, identity, events })
      env.clock.setTimer(env.random.next() * 250, beat)
    },
    stop: () => transport.stop(),
  }
}

async function protocolRun(nodes: number, virtualMs: number, ping = false) {
  const sim = await Simulation.create<SimNodeLike, Record<string, unknown>>({
    seed: 1,
    nodes,
    createNode: ping ? pingNode : (counterNode as SimNodeFactory<CounterNode>),
    node: { heartbeatMs: 250, fanout: 2 },
  })
  await sim.runFor(2000)
  const before = sim.figures().events
  const startMs = performance.now()
  await sim.runFor(virtualMs)
  const wallMs = performance.now() - startMs
  return { events: sim.figures().events - before, wallMs }
}

/** The same number of events through the bare heap: pop, run a trivial closure, push the next. */
function bareHeapRun(events: number, inFlight: number) {
  const queue = new EventQueue()
  const random = seededRandom(1)
  let seq = 0
  let ran = 0
  const push = (timeMs: number) => {
    const event: SimEvent = {
      timeMs,
      seq: seq++,
      sub: 0,
      kind: 'timer',
      node: undefined,
      canceled: false,
      run: () => ran++ > -1,
    }
    queue.push(event)
  }
  for (let i = 0; i < inFlight; i++) push(random.next() * 250)
  const startMs = performance.now()
  for (let i = 0; i < events; i++) {
    const event = queue.pop() as SimEvent
    event.run()
    push(event.timeMs + random.next() * 250)
  }
  return performance.now() - startMs
}

const rows: string[] = []
await protocolRun(5, 60_000) // JIT warm-up
for (const [nodes, virtualMs] of [
  [5, 600_000],
  [20, 120_000],
  [100, 30_000],
] as const) {
  const { events, wallMs } = await protocolRun(nodes, virtualMs)
  const bareMs = bareHeapRun(events, nodes * 3)
  const ping = await protocolRun(nodes, virtualMs, true)
  rows.push(
    `${nodes} nodes: ${events} events in ${wallMs.toFixed(0)} ms = ${Math.round(events / (wallMs / 1000))} events/s, ` +
      `${Math.round(virtualMs / wallMs)}× real time; bare heap loop: ${Math.round(events / (bareMs / 1000))} events/s; ` +
      `ping protocol: ${Math.round(ping.events / (ping.wallMs / 1000))} events/s, ${Math.round(virtualMs / ping.wallMs)}×`,
  )
}
const seedsStartMs = performance.now()
const seeds = 200
for (let seed = 1; seed <= seeds; seed++) await runCounterScenario({ scenario: 'partition-heal', seed })
const seedsWallMs = performance.now() - seedsStartMs
rows.push(`partition-heal, 5 nodes: ${Math.round((seeds / seedsWallMs) * 60_000)} seeds/min on one core`)
process.stdout.write(`${rows.join('\n')}\n`)
