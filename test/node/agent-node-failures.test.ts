/**
 * Node-level regressions of issue 7 (the "smaller, same family" list), on a
 * manual clock and a scripted transport: frames and connects during start()
 * are kept and replayed, a heartbeat that throws is re-armed and reported,
 * a store failure is an error (not a swallowed promise, not a "rejected"
 * frame), and a corrupt identity record refuses to start.
 */
import { describe, expect, it } from 'vitest'
import { silentLogger } from '../../src/env/logger.ts'
import { seededRandom } from '../../src/env/seeded-random.ts'
import type { Env } from '../../src/env/types.ts'
import { IdentityCorruptError } from '../../src/errors.ts'
import { createNode } from '../../src/node/create-node.ts'
import type { NodeErrorEvent } from '../../src/node/failures.ts'
import { decodeFrame, encodeFrame } from '../../src/node/frames.ts'
import { memoryLevel, memoryStore } from '../../store/index.ts'
import type { Transport, TransportContext } from '../../transport/transport.ts'
import { ManualClock } from '../sync/replicator-harness.ts'

/** A transport whose start can run a script (frames, connects) before it resolves. */
function scriptedTransport(options: { duringStart?: (ctx: TransportContext) => void; id?: string } = {}) {
  const sent: Array<{ peer: string; bytes: Uint8Array }> = []
  const peers = new Set<string>()
  let ctx: TransportContext | undefined
  let connectedCalls = 0
  const state = { throwOnConnectedCall: -1 }
  const transport: Transport = {
    async start(c) {
      ctx = c
      const saved = await c.identity.load()
      if (saved === undefined) await c.identity.save(new TextEncoder().encode(options.id ?? 'me'))
      options.duringStart?.(c)
      return { id: options.id ?? 'me' }
    },
    async stop() {},
    send(peer, bytes) {
      sent.push({ peer, bytes })
      return true
    },
    connected() {
      if (connectedCalls++ === state.throwOnConnectedCall) throw new Error('connected() blew up')
      return [...peers]
    },
    addresses: () => [],
    dial: async () => 'x',
  }
  return {
    transport,
    sent,
    peers,
    state,
    get ctx() {
      return ctx as TransportContext
    },
  }
}

function env(clock: ManualClock): Env {
  return { clock, random: seededRandom(1), log: silentLogger }
}

const heartbeat = (seq: number) =>
  encodeFrame({
    type: 'heartbeat',
    seq,
    digest: 0,
    contentDigest: 0,
    members: [{ id: 'p', addresses: [] }],
    reach: [],
  })

describe('a node starting', () => {
  it('keeps the connects and frames that arrive before it is wired, and replays them', async () => {
    const clock = new ManualClock()
    const t = scriptedTransport({
      duringStart: (ctx) => {
        t.peers.add('p')
        ctx.events.connect('p')
        ctx.events.frame('p', heartbeat(1))
      },
    })
    const node = await createNode({
      transport: t.transport,
      store: memoryStore(),
      env: env(clock),
      heartbeatMs: 100,
    })
    await node.start()
    // The connect was replayed: a vectors request went to p, and p (heard in a heartbeat) is alive.
    expect(t.sent.map((s) => decodeFrame(s.bytes).type)).toContain('vectors')
    expect(node.view().members.map((m) => [m.id, m.status])).toEqual([['p', 'alive']])
    await node.stop()
  })
})

describe('a heartbeat that throws', () => {
  it('is reported as an error and the heartbeat keeps going', async () => {
    const clock = new ManualClock()
    const t = scriptedTransport()
    const node = await createNode({
      transport: t.transport,
      store: memoryStore(),
      env: env(clock),
      heartbeatMs: 100,
    })
    await node.start()
    const errors: NodeErrorEvent[] = []
    node.on('error', (e) => errors.push(e))
    t.peers.add('p')
    t.state.throwOnConnectedCall = 0 // the next heartbeat's connected() throws (counting from now)
    const countBefore = t.sent.length
    clock.advance(100)
    expect(errors.map((e) => e.during)).toEqual(['heartbeat'])
    clock.advance(300)
    expect(t.sent.length).toBeGreaterThan(countBefore) // later heartbeats went out
    expect(node.metrics().internalErrors).toBe(1)
    await node.stop()
  })
})

describe('a store failure', () => {
  it('saving the members is an error event and a metric, not a swallowed promise', async () => {
    const clock = new ManualClock()
    const inner = memoryStore()
    // The store as is, except that saving the members fails (disk full).
    const failing = new Proxy(inner, {
      get(target, prop) {
        if (prop === 'putMeta')
          return async (key: string, value: Uint8Array) => {
            if (key === 'members') throw Object.assign(new Error('disk full'), { name: 'StoreError' })
            return target.putMeta(key, value)
          }
        const member = Reflect.get(target, prop)
        return typeof member === 'function' ? member.bind(target) : member
      },
    })
    const t = scriptedTransport()
    const node = await createNode({
      transport: t.transport,
      store: failing,
      env: env(clock),
      heartbeatMs: 100,
    })
    await node.start()
    const errors: NodeErrorEvent[] = []
    node.on('error', (e) => errors.push(e))
    t.peers.add('p')
    t.ctx.events.connect('p') // a new member: the membership is saved
    await new Promise((resolve) => setImmediate(resolve))
    expect(errors.map((e) => [e.kind, e.during])).toEqual([['store', 'save members']])
    expect(node.metrics().storeErrors).toBe(1)
    expect(node.metrics().framesDropped).toEqual({})
    await node.stop()
  })
})

describe('a corrupt identity record', () => {
  it('refuses to start instead of minting a new id', async () => {
    const db = memoryLevel()
    const clock = new ManualClock()
    const first = await createNode({
      transport: scriptedTransport({ id: 'n1' }).transport,
      store: memoryStore({ db }),
      env: env(clock),
    })
    await first.start()
    await first.stop()
    // Rot one byte of the identity record while the node is down.
    await db.open()
    const key = (await db.keys().all()).find((k) => k.includes('identity')) as string
    const value = (await db.get(key)) as Uint8Array
    value[value.length - 1] = (value[value.length - 1] as number) ^ 0xff
    await db.put(key, value)
    await db.close()
    const second = await createNode({
      transport: scriptedTransport({ id: 'minted' }).transport,
      store: memoryStore({ db }),
      env: env(clock),
    })
    await expect(second.start()).rejects.toBeInstanceOf(IdentityCorruptError)
  })
})
