/**
 * #6 simulator speed. The standard partition-heal scenario (a minority and a
 * majority split at 1/6 of the run, healed at 2/3; heartbeats 250 ms; a
 * client write every ~150 ms) on 5, 20 and 100 real isthmus nodes, for 60 s
 * of virtual time: virtual seconds per wall second and events/s. Every
 * events/s figure is set against a bare EventQueue loop running the same
 * number of events in the same run (the limit). The same sizes run a
 * trivial "ping" protocol too (one 16-byte frame to 2 peers per heartbeat),
 * which shows the simulator's own cost apart from the node code. Between
 * the two, 5 and 20 real nodes run the same scenario without the write
 * workload (membership, heartbeats, vectors, reconnection): the node code's
 * own cost apart from the CRDT libraries', which the writes bring (each
 * Automerge change or apply costs ~0.5-1 ms). These rows have no target:
 * the target is the scenario with writes. Last, seeds per minute of the
 * 5-node scenario (with its liveness phase) on 2 worker threads, as
 * `isthmus sim --seeds` runs them.
 */
import { availableParallelism } from 'node:os'
import { cliProtocol } from '../../cli/protocol.ts'
import { type RunSpec, resolveRunSpec } from '../../cli/run-spec.ts'
import { runSeedPool } from '../../cli/seed-pool.ts'
import { parseSimArgs } from '../../cli/sim-args.ts'
import type { AgentSimOptions } from '../../sim/agent-nodes.ts'
import { EventQueue, type SimEvent } from '../../sim/event-queue.ts'
import type { SimNodeFactory, SimNodeLike } from '../../sim/node-host.ts'
import { Simulation } from '../../sim/simulation.ts'
import { seededRandom } from '../../src/env/seeded-random.ts'
import { type Benchmark, type BenchOptions, type BenchResult, row, type Target } from '../harness/result.ts'

const BENCH = 'sim-speed'
const heartbeatMs = 250

interface Size {
  nodes: number
  /** Virtual ms of the safety phase measured, full and --quick. */
  virtualMs: { full: number; quick: number }
  /** The same for ping nodes: they are cheap, and a short run would mostly measure the JIT warming up. */
  pingVirtualMs: { full: number; quick: number }
  /** The same for real nodes without writes; absent: no such row (at 100 nodes heartbeats dominate either way). */
  noWritesVirtualMs?: { full: number; quick: number }
  target?: Target
}

/** Real nodes with the scenario's writes, real nodes without them, or the trivial ping protocol. */
type Protocol = 'agent' | 'agent-no-writes' | 'ping'

const protocolNames: Record<Protocol, string> = {
  agent: 'isthmus nodes',
  'agent-no-writes': 'isthmus nodes, no writes',
  ping: 'ping nodes',
}

/** BENCHMARKS.md #6: 5 nodes ≥ 1,000× real time, 100 nodes ≥ 20×. */
const sizes: readonly Size[] = [
  {
    nodes: 5,
    virtualMs: { full: 60_000, quick: 10_000 },
    pingVirtualMs: { full: 600_000, quick: 120_000 },
    noWritesVirtualMs: { full: 600_000, quick: 120_000 },
    target: { cmp: '>=', ratio: 1000 },
  },
  {
    nodes: 20,
    virtualMs: { full: 60_000, quick: 5_000 },
    pingVirtualMs: { full: 300_000, quick: 60_000 },
    noWritesVirtualMs: { full: 60_000, quick: 10_000 },
  },
  {
    nodes: 100,
    virtualMs: { full: 60_000, quick: 2_000 },
    pingVirtualMs: { full: 60_000, quick: 10_000 },
    target: { cmp: '>=', ratio: 20 },
  },
]
/** Wall time one case may take: a slow protocol is measured over the virtual time it covered by then. */
const wallBudgetMs = { full: 180_000, quick: 12_000 }
/** Virtual ms run between two looks at the wall budget. */
const chunkMs = 250
/** Seeds of the 5-node scenario on 2 workers, full (60 s safety phase) and --quick (the default 6 s). */
const seedRuns = { full: { seeds: 40, durationMs: 60_000 }, quick: { seeds: 16, durationMs: 6_000 } }
const seedWorkers = 2
const seedsTarget: Target = { cmp: '>=', ratio: 1 }
const seedsPerMinTarget = 300

/** The simulator's own cost: each heartbeat sends one 16-byte frame to 2 random peers, no encoding. */
const pingNode: SimNodeFactory<SimNodeLike> = async ({ env, transport }) => {
  const frame = new Uint8Array(16)
  const beat = () => {
    const peers = transport.connected()
    for (let i = 0; i < 2; i++)
      transport.send(peers[Math.floor(env.random.next() * peers.length)] ?? '', frame)
    env.clock.setTimer(heartbeatMs, beat)
  }
  const events = { frame() {}, connect() {}, disconnect() {} }
  const identity = { load: async () => undefined, save: async () => {} }
  return {
    start: async () => {
      await transport.start({ env, identity, events })
      env.clock.setTimer(env.random.next() * heartbeatMs, beat)
    },
    stop: () => transport.stop(),
  }
}

interface Drive {
  virtualMs: number
  events: number
  wallMs: number
}

/** The scenario's spec for `nodes` over `virtualMs`, as `isthmus sim` resolves it. */
function specFor(nodes: number, virtualMs: number): RunSpec {
  return resolveRunSpec(parseSimArgs(['--nodes', String(nodes), '--duration', String(virtualMs)]))
}

/** Builds the simulation: real nodes with the invariants (and the write workload, unless left out), or ping nodes. */
async function build(spec: RunSpec, protocol: Protocol): Promise<Simulation<SimNodeLike>> {
  const common = { seed: 1, nodes: spec.ids, network: spec.network }
  if (protocol === 'ping') {
    const sim = await Simulation.create<SimNodeLike>({ ...common, createNode: pingNode })
    sim.schedule(spec.plan)
    return sim
  }
  const session = cliProtocol.session(spec.ids, heartbeatMs)
  const sim = await Simulation.create<SimNodeLike, AgentSimOptions>({
    ...common,
    createNode: session.createNode as SimNodeFactory<SimNodeLike, AgentSimOptions>,
    node: session.nodeOptions as AgentSimOptions,
    invariants: session.invariants,
  })
  sim.schedule(spec.plan)
  if (protocol === 'agent-no-writes') return sim
  for (const op of cliProtocol.workload(1, spec.ids, spec.durationMs, spec.writeEveryMs)) {
    sim.at(op.atMs, op.node, () => {
      if (sim.status(op.node) !== 'running') return false
      Promise.resolve(session.applyOp(sim.node(op.node), op, sim)).catch(() => {})
      return true
    })
  }
  return sim
}

/** Runs the safety phase in chunks until its end or the wall budget; boot is not timed. */
async function drive(nodes: number, virtualMs: number, protocol: Protocol, budgetMs: number): Promise<Drive> {
  const sim = await build(specFor(nodes, virtualMs), protocol)
  const startEvents = sim.figures().events
  const startVirtualMs = sim.nowMs
  const startMs = performance.now()
  while (sim.nowMs < virtualMs && performance.now() - startMs < budgetMs) await sim.runFor(chunkMs)
  return {
    virtualMs: sim.nowMs - startVirtualMs,
    events: sim.figures().events - startEvents,
    wallMs: performance.now() - startMs,
  }
}

/** The same number of events through the bare heap: pop, run a trivial closure, push the next. */
function bareHeapMs(events: number, inFlight: number): number {
  const queue = new EventQueue()
  const random = seededRandom(1)
  let seq = 0
  let ran = 0
  const push = (timeMs: number) => {
    const run = () => ran++ > -1
    queue.push({ timeMs, seq: seq++, sub: 0, kind: 'timer', node: undefined, canceled: false, run })
  }
  for (let i = 0; i < inFlight; i++) push(random.next() * heartbeatMs)
  const startMs = performance.now()
  for (let i = 0; i < events; i++) {
    const event = queue.pop() as SimEvent
    event.run()
    push(event.timeMs + random.next() * heartbeatMs)
  }
  return performance.now() - startMs
}

/** A run shorter than this is mostly timer resolution and JIT: the bare loop repeats until it is this long. */
const bareRunMsMin = 50

/** Wall ms per `events` events through the bare heap, averaged over repeats of the same count. */
function bareHeapMsPer(events: number, inFlight: number): number {
  let totalMs = 0
  let repeats = 0
  while (totalMs < bareRunMsMin && events > 0) {
    totalMs += bareHeapMs(events, inFlight)
    repeats++
  }
  return repeats === 0 ? 0 : totalMs / repeats
}

function r(
  caseName: string,
  metric: string,
  value: number,
  unit: string,
  peer?: { name: string; value: number },
  target?: Target,
): BenchResult {
  const fields = { bench: BENCH, case: caseName, metric, value, unit }
  return row(target === undefined ? fields : { ...fields, target }, peer)
}

/** Virtual ms a size runs `protocol` for, or undefined when it has no such row. */
function virtualMsOf(size: Size, protocol: Protocol): { full: number; quick: number } | undefined {
  if (protocol === 'agent') return size.virtualMs
  return protocol === 'ping' ? size.pingVirtualMs : size.noWritesVirtualMs
}

async function speedRows(size: Size, protocol: Protocol, options: BenchOptions): Promise<BenchResult[]> {
  const mode = options.quick ? 'quick' : 'full'
  const virtualMs = virtualMsOf(size, protocol)?.[mode]
  if (virtualMs === undefined) return []
  const d = await drive(size.nodes, virtualMs, protocol, wallBudgetMs[mode])
  // As many events queued as nodes × 3 (a timer and a frame or two each), like the simulation's heap.
  const bareMs = bareHeapMsPer(d.events, size.nodes * 3)
  const covered = d.virtualMs < virtualMs ? `, budget stopped it at ${(d.virtualMs / 1000).toFixed(1)} s` : ''
  const name = `${size.nodes} nodes, ${protocolNames[protocol]} (${virtualMs / 1000} s virtual${covered})`
  options.log(`${name}: ${d.events} events in ${d.wallMs.toFixed(0)} ms`)
  const eventsPerS = d.events / (d.wallMs / 1000)
  return [
    r(
      name,
      'virtual s per wall s',
      d.virtualMs / d.wallMs,
      '×',
      { name: 'real time', value: 1 },
      protocol === 'agent' ? size.target : undefined,
    ),
    r(name, 'events/s', eventsPerS, 'events/s', {
      name: 'bare heap loop, same events',
      value: d.events / (bareMs / 1000),
    }),
  ]
}

async function seedsRows(options: BenchOptions): Promise<BenchResult[]> {
  const { seeds, durationMs } = seedRuns[options.quick ? 'quick' : 'full']
  const spec = specFor(5, durationMs)
  const events: number[] = []
  const startMs = performance.now()
  await runSeedPool({
    spec,
    seeds: Array.from({ length: seeds }, (_, i) => i + 1),
    workers: seedWorkers,
    onVerdict: (v) => {
      events.push(v.figures.events)
    },
  })
  const wallMs = performance.now() - startMs
  const perMin = (seeds / wallMs) * 60_000
  const eventsPerSeed = events.reduce((a, b) => a + b, 0) / Math.max(1, events.length)
  const bareSecondsPerSeed = bareHeapMsPer(Math.round(eventsPerSeed), 15) / 1000
  const name = `5 nodes, partition-heal ${durationMs / 1000} s + liveness, ${seeds} seeds on ${seedWorkers} workers (${availableParallelism()} cores)`
  options.log(`${name}: ${wallMs.toFixed(0)} ms`)
  return [
    r(name, 'seeds/min', perMin, 'seeds/min', {
      name: 'bare heap loop, same events, 2 cores',
      value: (seedWorkers * 60) / bareSecondsPerSeed,
    }),
    r(
      name,
      'seeds/min',
      perMin,
      'seeds/min',
      { name: `target ${seedsPerMinTarget} seeds/min`, value: seedsPerMinTarget },
      seedsTarget,
    ),
  ]
}

async function run(options: BenchOptions): Promise<BenchResult[]> {
  options.log('warm-up: 5 isthmus nodes, 5 s virtual (not reported)')
  await drive(5, 5000, 'agent', wallBudgetMs.quick)
  const results: BenchResult[] = []
  for (const size of sizes) results.push(...(await speedRows(size, 'agent', options)))
  for (const size of sizes) results.push(...(await speedRows(size, 'agent-no-writes', options)))
  for (const size of sizes) results.push(...(await speedRows(size, 'ping', options)))
  results.push(...(await seedsRows(options)))
  return results
}

export const simSpeed: Benchmark = { id: 6, name: BENCH, run }
