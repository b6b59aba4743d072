/**
 * Real isthmus nodes for the libp2p benchmarks (#7, #8), started as
 * test/node/harness.ts starts them (createNode + libp2pTransport on
 * 127.0.0.1 + levelStore in a temp folder), each behind a FrameTap that
 * counts frames by type both ways and carries the benchmarks' own frames.
 *
 * The benchmarks' frames ride the node's own transport (same TCP
 * connection, Noise session, Yamux stream and framing) and are told apart by
 * their first byte: an isthmus frame starts with WIRE_VERSION (1); anything
 * else goes to `onBenchFrame` instead of the node. A y-protocols sync message
 * starts with 0 (messageSync), so the y-websocket-style peer needs no marker.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { silentLogger, systemEnv } from '../../src/env/index.ts'
import type { AgentNode } from '../../src/node/agent-node.ts'
import { createNode } from '../../src/node/create-node.ts'
import { FRAME_TYPE_CODES, WIRE_VERSION } from '../../src/wire/envelope.ts'
import { levelStore } from '../../store/index.ts'
import { type Libp2pTransport, libp2pTransport } from '../../transport/index.ts'
import type { Transport } from '../../transport/transport.ts'

/** What a frame is, by its first two bytes: a wire frame type, or one of the benchmark's own. */
export type FrameKind = 'heartbeat' | 'vectors' | 'sync' | 'updates' | 'ack' | 'bench' | 'other'

export const FRAME_KINDS: readonly FrameKind[] = [
  'heartbeat',
  'vectors',
  'sync',
  'updates',
  'ack',
  'bench',
  'other',
]

/** Byte 1 of a wire frame (the envelope's type code) to the kinds counted here; summaries count as 'other'. */
const kindByCode: readonly (FrameKind | undefined)[] = (() => {
  const kinds: Array<FrameKind | undefined> = []
  for (const kind of ['heartbeat', 'vectors', 'sync', 'updates', 'ack'] as const)
    kinds[FRAME_TYPE_CODES[kind]] = kind
  return kinds
})()

/** The kind of `frame` without decoding it (the hot path sees every frame). */
export function frameKind(frame: Uint8Array): FrameKind {
  if (frame[0] !== WIRE_VERSION) return 'bench'
  return kindByCode[frame[1] ?? 0] ?? 'other'
}

/** Frames and bytes (the frame itself, without the transport's length prefix) by kind. */
export interface FrameCounts {
  frames: Record<FrameKind, number>
  bytes: Record<FrameKind, number>
}

export function emptyCounts(): FrameCounts {
  const zeros = () => Object.fromEntries(FRAME_KINDS.map((k) => [k, 0])) as Record<FrameKind, number>
  return { frames: zeros(), bytes: zeros() }
}

/** `later` minus `earlier`, kind by kind. */
export function countsSince(later: FrameCounts, earlier: FrameCounts): FrameCounts {
  const out = emptyCounts()
  for (const k of FRAME_KINDS) {
    out.frames[k] = later.frames[k] - earlier.frames[k]
    out.bytes[k] = later.bytes[k] - earlier.bytes[k]
  }
  return out
}

/** One frame seen by a tap, for timelines. */
export interface TappedFrame {
  peer: string
  kind: FrameKind
  bytes: number
  atMs: number
}

/** Wraps a Transport: counts every frame each way and diverts the benchmark's own frames. */
export class FrameTap {
  readonly inner: Libp2pTransport
  readonly transport: Transport
  readonly sent = emptyCounts()
  readonly received = emptyCounts()
  /** Frames whose first byte is not WIRE_VERSION: the benchmark's, never handed to the node. */
  onBenchFrame: ((from: string, frame: Uint8Array) => void) | undefined
  /** Every frame as it is sent or received, while set (timelines of #8). */
  onFrame: ((direction: 'out' | 'in', frame: TappedFrame) => void) | undefined

  constructor(inner: Libp2pTransport) {
    this.inner = inner
    this.transport = {
      start: (ctx) =>
        inner.start({
          ...ctx,
          events: { ...ctx.events, frame: (from, frame) => this.#received(from, frame, ctx.events.frame) },
        }),
      stop: () => inner.stop(),
      send: (peer, frame) => this.#send(peer, frame),
      connected: () => inner.connected(),
      addresses: () => inner.addresses(),
      dial: (address) => inner.dial(address),
    }
  }

  /** Sends one of the benchmark's frames (its first byte must not be WIRE_VERSION). */
  sendBench(peer: string, frame: Uint8Array): boolean {
    if (frame[0] === WIRE_VERSION) throw new Error('a bench frame must not start with the wire version')
    return this.#send(peer, frame)
  }

  #send(peer: string, frame: Uint8Array): boolean {
    const sent = this.inner.send(peer, frame)
    if (sent) {
      const kind = frameKind(frame)
      this.sent.frames[kind]++
      this.sent.bytes[kind] += frame.length
      this.onFrame?.('out', { peer, kind, bytes: frame.length, atMs: performance.now() })
    }
    return sent
  }

  #received(from: string, frame: Uint8Array, toNode: (from: string, frame: Uint8Array) => void): void {
    const kind = frameKind(frame)
    this.received.frames[kind]++
    this.received.bytes[kind] += frame.length
    this.onFrame?.('in', { peer: from, kind, bytes: frame.length, atMs: performance.now() })
    if (kind === 'bench') this.onBenchFrame?.(from, frame)
    else toNode(from, frame)
  }
}

/** A started node, its tap, and where it listens. */
export interface BenchNode {
  name: string
  node: AgentNode
  tap: FrameTap
  /** Its first address, with `/p2p/<id>`. */
  address: string
  /** Its TCP listen port. */
  port: number
}

/** Nodes in one temp folder; `close()` stops every node still running and removes the folder. */
export class BenchNodes {
  readonly #root: string
  readonly #running = new Set<BenchNode>()

  private constructor(root: string) {
    this.#root = root
  }

  static async create(prefix: string): Promise<BenchNodes> {
    return new BenchNodes(await mkdtemp(join(tmpdir(), `isthmus-bench-${prefix}-`)))
  }

  /**
   * Makes a node in its own folder under the root: created, not started, so
   * a caller can time `start()` alone. Default heartbeats (250 ms).
   */
  async create(name: string, bootstrap: string[] = []): Promise<{ node: AgentNode; tap: FrameTap }> {
    const tap = new FrameTap(libp2pTransport({ listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap }))
    const node = await createNode({
      env: systemEnv({ log: silentLogger }),
      transport: tap.transport,
      store: levelStore({ path: join(this.#root, name) }),
    })
    return { node, tap }
  }

  /** Records a started node (so `close()` stops it) and reads its address. */
  started(name: string, node: AgentNode, tap: FrameTap): BenchNode {
    const address = node.addresses()[0]
    if (address === undefined) throw new Error(`${name} has no address`)
    const entry = { name, node, tap, address, port: portOf(address) }
    this.#running.add(entry)
    return entry
  }

  /** Creates and starts a node. */
  async start(name: string, bootstrap: string[] = []): Promise<BenchNode> {
    const { node, tap } = await this.create(name, bootstrap)
    await node.start()
    return this.started(name, node, tap)
  }

  /** Stops one node and removes its folder. */
  async stop(entry: BenchNode): Promise<void> {
    this.#running.delete(entry)
    await entry.node.stop()
    await rm(join(this.#root, entry.name), { recursive: true, force: true })
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.#running].map((entry) => entry.node.stop()))
    this.#running.clear()
    await rm(this.#root, { recursive: true, force: true })
  }
}

/** The TCP port of `/ip4/…/tcp/PORT/…`. */
export function portOf(address: string): number {
  const match = /\/tcp\/(\d+)/.exec(address)
  if (match?.[1] === undefined) throw new Error(`no tcp port in ${address}`)
  return Number(match[1])
}

/** Polls `done` every `everyMs`; false once `timeoutMs` has passed without it. */
export async function pollUntil(done: () => boolean, timeoutMs: number, everyMs = 5): Promise<boolean> {
  const deadline = performance.now() + timeoutMs
  while (!done()) {
    if (performance.now() > deadline) return false
    await sleep(everyMs)
  }
  return true
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
