/**
 * A hostile peer for the simulator: it speaks no protocol, only sends random
 * bytes, mutated frames and well-formed frames with hostile contents to every
 * node it is connected to. Shared by the hostile-peer test and its longer
 * run in the benchmarks.
 */
import fc from 'fast-check'
import type { SimNodeFactory, SimNodeLike } from '../../sim/index.ts'
import { encodeFrame } from '../../src/sync/wire.ts'
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
