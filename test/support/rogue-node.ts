/**
 * A hostile peer for the simulator: it speaks no protocol, only sends random
 * bytes, mutated frames and well-formed frames with hostile contents to every
 * node it is connected to. Shared by the hostile-peer test and its longer
 * run in the benchmarks.
 */
import fc from 'fast-check'
import { writesFromSeed } from '../../sim/agent-workload.ts'
import {
  type AckedWrites,
  agentInvariants,
  agentNodeFactory,
  applyWrite,
  runScenario,
  type SimNodeFactory,
  type SimNodeLike,
  type Verdict,
} from '../../sim/index.ts'
import type { AgentNode } from '../../src/node/agent-node.ts'
import { encodeFrame } from '../../src/node/frames.ts'
import { frameArbitrary } from './frames.ts'

/** Frames sent per peer per burst, one burst every 10 virtual ms. */
const BATCH = 200

/** Virtual ms until a rogue node has sent `frames`. */
export function rogueDurationMs(frames: number): number {
  return 500 + (frames / BATCH) * 10
}

/** Random bytes, mutated frames, well-formed frames with hostile contents, and truncated ones. */
export const hostileFrame: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc
    .tuple(frameArbitrary, fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { minLength: 1, maxLength: 3 }))
    .map(([frame, edits]) => {
      const bytes = encodeFrame(frame)
      for (const [at, value] of edits) bytes[at % bytes.length] = value
      return bytes
    }),
  frameArbitrary.map(encodeFrame),
  frameArbitrary.map((frame) => encodeFrame(frame).subarray(0, 3)),
)

/** A node that sends BATCH hostile frames to each connected peer every 10 virtual ms, 500 ms after it starts, until `frames` are out. */
export function rogueNode(options: {
  seed: number
  frames: number
  sent: { count: number }
}): SimNodeFactory<SimNodeLike> {
  const { seed, sent } = options
  return async (ctx) => {
    const frames = fc.sample(hostileFrame, { seed, numRuns: options.frames })
    const blast = () => {
      for (let i = 0; i < BATCH && sent.count < frames.length; i++) {
        for (const peer of ctx.transport.connected())
          ctx.transport.send(peer, frames[sent.count] as Uint8Array)
        sent.count++
      }
      if (sent.count < frames.length) ctx.env.clock.setTimer(10, blast)
    }
    return {
      async start() {
        await ctx.store.open()
        await ctx.transport.start({
          env: ctx.env,
          identity: { load: async () => undefined, save: async () => {} },
          events: { frame() {}, connect() {}, disconnect() {} },
        })
        ctx.env.clock.setTimer(500, blast)
      },
      stop: () => ctx.transport.stop(),
    }
  }
}

export interface HostileRun {
  verdict: Verdict
  /** Frames the rogue sent (to each honest node). */
  sent: number
  acked: AckedWrites
  /** Frames the honest nodes dropped, all reasons. */
  dropped: number
}

/**
 * n1 and n2 are real nodes replicating a write workload; n3 is the rogue.
 * Invariants judge the honest nodes only (n3 is no isthmus node).
 */
export async function runHostileScenario(options: { seed: number; frames: number }): Promise<HostileRun> {
  const { seed, frames } = options
  const acked: AckedWrites = []
  const sent = { count: 0 }
  const honest = ['n1', 'n2']
  const bad = rogueNode({ seed, frames, sent })
  const factory: SimNodeFactory<SimNodeLike> = (ctx) =>
    ctx.id === 'n3' ? bad(ctx) : agentNodeFactory(ctx as never)
  const durationMs = rogueDurationMs(frames) + 1_000
  let dropped = 0
  const verdict = await runScenario<SimNodeLike>({
    seed,
    nodes: ['n1', 'n2', 'n3'],
    createNode: factory,
    node: { heartbeatMs: 250 },
    workload: writesFromSeed(seed, honest, durationMs, 100),
    applyOp: applyWrite(acked) as never,
    invariants: [
      // The rogue never heartbeats, so honest views rightly stay partitioned: views are not judged here.
      ...agentInvariants(acked)
        .filter((inv) => inv.name !== 'views-healed')
        .map((inv) => ({
          ...inv,
          atQuiescence: (sim: never) => inv.atQuiescence?.(onlyHonest(sim, honest) as never),
        })),
      {
        name: 'count-drops',
        atQuiescence: (sim: { node(id: string): AgentNode }) => {
          dropped = honest.reduce((sum, id) => sum + droppedBy(sim.node(id)), 0)
          return undefined
        },
      },
    ] as never,
    durationMs,
    livenessMsMax: 20_000,
  })
  return { verdict, sent: sent.count, acked, dropped }
}

function droppedBy(node: AgentNode): number {
  const dropped = node.metrics().framesDropped as Record<string, number>
  return Object.values(dropped).reduce((a, b) => a + b, 0)
}

function onlyHonest(sim: { running(): Array<{ id: string; node: unknown }> }, honest: string[]) {
  return new Proxy(sim, {
    get(target, prop, receiver) {
      if (prop === 'running') return () => target.running().filter(({ id }) => honest.includes(id))
      const value = Reflect.get(target, prop, receiver)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}
