/**
 * A hostile peer inside the simulator: n3 sends the honest nodes a stream of
 * random bytes, mutated frames and well-formed frames with hostile contents
 * (garbage updates and sync payloads, vectors for unknown documents, the
 * wrong backend, absurd sequence numbers). The honest nodes must not crash,
 * must count what they drop, and must keep their documents intact: every
 * acknowledged write present and both replicas identical.
 */
import { describe, expect, it } from 'vitest'
import type * as Y from 'yjs'
import { agentNodeFactory, type SimNodeFactory, type SimNodeLike, Simulation } from '../../sim/index.ts'
import { ReplicationTimeoutError } from '../../src/errors.ts'
import type { AgentNode } from '../../src/node/agent-node.ts'
import { encodeFrame, type Frame } from '../../src/node/frames.ts'
import { runHostileScenario } from '../support/rogue-node.ts'

/** Hostile frames per run: the issue asks for ≥ 100k per CI run. */
const FRAMES = Number(process.env.ISTHMUS_HOSTILE_FRAMES ?? 100_000)

describe('a hostile peer', () => {
  it(`cannot crash honest nodes or corrupt their documents (${FRAMES} frames)`, async () => {
    const run = await runHostileScenario({ seed: 4242, frames: FRAMES })
    expect(run.sent).toBe(FRAMES)
    expect(run.acked.length).toBeGreaterThan(10)
    expect(run.verdict.violations).toEqual([])
    expect(run.dropped).toBeGreaterThan(FRAMES / 4)
  })
})

/**
 * A liar: well-formed frames claiming to hold n1's dots of "plan" that it
 * was never sent or that n1 never issued (an inflated vector, acks for seqs
 * 1..50, sync frames with an inflated vector), every 10 virtual ms.
 */
const liar: SimNodeFactory<SimNodeLike> = async (ctx) => {
  const claims: Frame[] = [
    { type: 'vectors', reply: true, docs: [{ name: 'plan', backend: 'yjs', vector: { n1: 1_000_000 } }] },
    { type: 'ack', doc: 'plan', origin: 'n1', seqs: Array.from({ length: 50 }, (_, i) => i + 1) },
    {
      type: 'sync',
      doc: 'plan',
      backend: 'yjs',
      vector: { n1: 1_000_000 },
      restart: false,
      payload: new Uint8Array(),
    },
  ]
  const blast = () => {
    for (const peer of ctx.transport.connected())
      for (const f of claims) ctx.transport.send(peer, encodeFrame(f))
    ctx.env.clock.setTimer(10, blast)
  }
  return {
    async start() {
      await ctx.store.open()
      await ctx.transport.start({
        env: ctx.env,
        identity: { load: async () => undefined, save: async () => {} },
        events: { frame() {}, connect() {}, disconnect() {} },
      })
      blast()
    },
    stop: () => ctx.transport.stop(),
  }
}

describe('a peer that claims what it does not hold', () => {
  it('cannot make a replicas: 2 write resolve while it is the only other "holder"', async () => {
    const sim = await Simulation.create<SimNodeLike>({
      seed: 11,
      nodes: ['n1', 'n2', 'n3'],
      network: { latencyMs: [1, 10] },
      createNode: (ctx) => (ctx.id === 'n3' ? liar(ctx) : agentNodeFactory(ctx as never)),
      node: { members: ['n1', 'n2', 'n3'] } as never,
    })
    await sim.runFor(1_000)
    sim.crash('n2') // the only honest holder is gone
    await sim.runFor(500)
    const n1 = sim.node('n1') as unknown as AgentNode
    const plan = await n1.doc('plan', { backend: 'yjs' })
    const write = plan
      .change((d: Y.Doc) => d.getMap('kv').set('precious', 'yes'), { replicas: 2, timeoutMs: 2_000 })
      .then(
        () => 'resolved',
        (error: unknown) => error,
      )
    await sim.until(write, { maxMs: 3_000 })
    const outcome = await write
    expect(outcome).toBeInstanceOf(ReplicationTimeoutError)
    expect((outcome as ReplicationTimeoutError).held).toBe(1)
    expect(n1.metrics().falseClaims).toBeGreaterThan(0)
    await sim.stop()
  })
})
