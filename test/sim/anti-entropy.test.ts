/**
 * Anti-entropy (DESIGN §4): nodes compare the libraries' own summaries, so a
 * divergence the dots miss is repaired. Here the dots are made to lie: a
 * peer's sync frame claims n2's dots for n1 (an inflated vector with an empty
 * but valid Yjs update, so n1 "caught up"), and n1's vector equals n2's while
 * n1 lacks n2's writes. Vectors alone never pull them; the content digests
 * in heartbeats differ, and a summaries exchange starts the sync that repairs
 * it. Also: what anti-entropy costs at rest, per peer, with 1,000 documents.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { encodeYjsSyncMessage } from '../../crdt/yjs-sync-codec.ts'
import { agentNodeFactory, type SimNodeFactory, type SimNodeLike, Simulation } from '../../sim/index.ts'
import type { AgentNode } from '../../src/node/agent-node.ts'
import { encodeFrame } from '../../src/node/frames.ts'

/** n3: sends n1, once, a sync frame claiming n2's first 5 dots of "plan" with nothing in it. */
const poisoner: SimNodeFactory<SimNodeLike> = async (ctx) => ({
  async start() {
    await ctx.store.open()
    await ctx.transport.start({
      env: ctx.env,
      identity: { load: async () => undefined, save: async () => {} },
      events: { frame() {}, connect() {}, disconnect() {} },
    })
    ctx.env.clock.setTimer(1_500, () => {
      const payload = encodeYjsSyncMessage({
        kind: 'update',
        stateVector: new Map(),
        update: Y.encodeStateAsUpdate(new Y.Doc()),
      })
      const frame = encodeFrame({
        type: 'sync',
        doc: 'plan',
        backend: 'yjs',
        vector: { n2: 5 },
        restart: true,
        payload,
      })
      ctx.transport.send('n1', frame)
    })
  },
  stop: () => ctx.transport.stop(),
})

const value = (node: AgentNode) => new Map(node.documentValues()).get('plan')

describe('anti-entropy', () => {
  it('repairs a divergence the version vectors do not show', async () => {
    const sim = await Simulation.create<SimNodeLike>({
      seed: 3,
      nodes: ['n1', 'n2', 'n3'],
      network: { latencyMs: [1, 10] },
      createNode: (ctx) => (ctx.id === 'n3' ? poisoner(ctx) : agentNodeFactory(ctx as never)),
      node: { heartbeatMs: 100 } as never,
    })
    await sim.runFor(500)
    sim.partition([['n1', 'n3'], ['n2']])
    const n1 = sim.node('n1') as unknown as AgentNode
    const n2 = sim.node('n2') as unknown as AgentNode
    const plan = await n2.doc('plan', { backend: 'yjs' })
    for (let i = 0; i < 5; i++) await plan.change((d: Y.Doc) => d.getMap('kv').set(`k${i}`, 'v'))
    await sim.runFor(1_500) // the poison lands at 1.5 s
    expect(n1.versionVector()).toEqual({ n2: 5 })
    expect(value(n1)).toBe('{}')
    sim.heal()
    await sim.runFor(5_000)
    expect(value(n1)).toBe(value(n2))
    expect(n1.metrics().antiEntropyRounds as number).toBeGreaterThan(0)
    await sim.stop()
  })

  it('costs at most 1 KiB/s per peer at rest with 1,000 idle documents', async () => {
    const ids = ['n1', 'n2', 'n3']
    const sim = await Simulation.create({
      seed: 4,
      nodes: ids,
      network: { latencyMs: [1, 10] },
      node: { members: ids },
    })
    await sim.runFor(500)
    for (let i = 0; i < 1_000; i++) {
      const doc = await sim.node(ids[i % 3] as string).doc(`doc${i}`, { backend: 'yjs' })
      await doc.change((d: Y.Doc) => d.getMap('kv').set('k', i))
    }
    await sim.runFor(10_000)
    const before = ids.map((id) => sim.node(id).metrics().bytesOut as number)
    const idleMs = 10_000
    await sim.runFor(idleMs)
    const perPeerBytesPerSecond = ids.map(
      (id, i) =>
        ((sim.node(id).metrics().bytesOut as number) - (before[i] as number)) /
        (ids.length - 1) /
        (idleMs / 1000),
    )
    console.log(
      `anti-entropy at rest: ${perPeerBytesPerSecond.map((r) => r.toFixed(0)).join(', ')} B/s per peer`,
    )
    for (const rate of perPeerBytesPerSecond) expect(rate).toBeLessThanOrEqual(1024)
    expect(new Set(ids.map((id) => JSON.stringify(sim.node(id).documentValues().sort()))).size).toBe(1)
    await sim.stop()
  })
})
