/**
 * A test protocol for the simulator: gossip of a grow-only counter (a
 * G-Counter CRDT) over the Transport interface, using only env.clock and
 * env.random, persisted in the node's store. Every `heartbeatMs` a node sends
 * its counts to `fanout` random connected peers, and to any peer on connect;
 * a node merges by taking the max per origin. An add resolves once durable.
 *
 * `brokenAfterDisconnect` plants a bug for the shrinking test: once a node
 * has lost its connection to a peer, it ignores every later frame from it.
 */

import type { SimNodeContext, SimNodeLike } from '../../sim/index.ts'
import type { Env } from '../../src/env/types.ts'

export interface CounterOptions {
  heartbeatMs?: number
  /** Peers gossiped to per heartbeat. */
  fanout?: number
  brokenAfterDisconnect?: boolean
}

export interface CounterNode extends SimNodeLike {
  readonly id: string
  /** Adds `n` to this node's own count; resolves once the store has it. */
  add(n: number): Promise<void>
  /** The counts by origin, encoded canonically (sorted keys): equal bytes mean equal state. */
  encoded(): string
  total(): number
  /** This node's view of `origin`'s count. */
  countOf(origin: string): number
  /** Background writes of its state that failed (each retried on the next heartbeat). */
  storeErrors(): number
}

const formatVersion = 1
const metaKey = 'gcounter'

function encode(counts: Map<string, number>): Uint8Array {
  const sorted = [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  const json = new TextEncoder().encode(JSON.stringify(sorted))
  const out = new Uint8Array(json.length + 1)
  out[0] = formatVersion
  out.set(json, 1)
  return out
}

function decode(bytes: Uint8Array): Map<string, number> | undefined {
  if (bytes[0] !== formatVersion) return undefined
  try {
    const entries = JSON.parse(new TextDecoder().decode(bytes.subarray(1))) as Array<[string, number]>
    return new Map(entries)
  } catch {
    return undefined
  }
}

function pick(peers: string[], count: number, env: Env): string[] {
  const pool = [...peers]
  const out: string[] = []
  while (out.length < count && pool.length > 0) {
    const i = Math.floor(env.random.next() * pool.length)
    out.push(...pool.splice(i, 1))
  }
  return out
}

export async function counterNode(ctx: SimNodeContext<CounterOptions>): Promise<CounterNode> {
  const { env, transport, store, id } = ctx
  const heartbeatMs = ctx.options.heartbeatMs ?? 250
  const fanout = ctx.options.fanout ?? 2
  let counts = new Map<string, number>()
  const lostPeers = new Set<string>()
  let stopped = false

  /** Writes that failed (an injected storage fault): counted, and the whole state is written again on the next tick. */
  let storeErrors = 0
  let dirty = false
  const persist = () => store.putMeta(metaKey, encode(counts))
  const persistInBackground = () => {
    dirty = false
    persist().catch(() => {
      storeErrors++
      dirty = true
    })
  }
  const merge = (incoming: Map<string, number>) => {
    let changed = false
    for (const [origin, n] of incoming) {
      if (n > (counts.get(origin) ?? 0)) {
        counts.set(origin, n)
        changed = true
      }
    }
    if (changed) persistInBackground()
  }
  const gossip = (peer: string) => transport.send(peer, encode(counts))
  const heartbeat = () => {
    if (stopped) return
    if (dirty) persistInBackground()
    for (const peer of pick(transport.connected(), fanout, env)) gossip(peer)
    env.clock.setTimer(heartbeatMs, heartbeat)
  }
  const events = {
    frame(from: string, frame: Uint8Array) {
      if (ctx.options.brokenAfterDisconnect && lostPeers.has(from)) return
      const incoming = decode(frame)
      if (incoming !== undefined) merge(incoming)
    },
    connect(peer: string) {
      gossip(peer)
    },
    disconnect(peer: string) {
      lostPeers.add(peer)
    },
  }

  return {
    id,
    async start() {
      await store.open()
      const saved = await store.getMeta(metaKey)
      counts = (saved && decode(saved)) || new Map()
      await transport.start({ env, events, identity: { load: async () => undefined, save: async () => {} } })
      env.clock.setTimer(env.random.next() * heartbeatMs, heartbeat)
    },
    async stop() {
      stopped = true
      await transport.stop()
      await store.close()
    },
    async add(n) {
      counts.set(id, (counts.get(id) ?? 0) + n)
      await persist()
    },
    encoded: () => new TextDecoder().decode(encode(counts).subarray(1)),
    total: () => [...counts.values()].reduce((a, b) => a + b, 0),
    countOf: (origin) => counts.get(origin) ?? 0,
    storeErrors: () => storeErrors,
  }
}
