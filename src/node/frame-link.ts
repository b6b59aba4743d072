/**
 * The node's side of the transport: frames in (decoded, counted, dropped
 * with a reason when unreadable, noted for the replication-lag metrics) and
 * frames out (encoded, counted). While the node starts, what the transport
 * delivers is kept in a StartBuffer and replayed once the node is wired.
 */
import type { Transport, TransportEvents } from '../../transport/transport.ts'
import type { Env } from '../env/types.ts'
import { decodeFrame, encodeFrame, type Frame, type HeartbeatFrame, WireDecodeError } from './frames.ts'
import type { NodeMetrics } from './metrics.ts'
import { StartBuffer } from './start-buffer.ts'

export interface FrameLinkDeps {
  env: Env
  transport: Pick<Transport, 'send' | 'connected'>
  metrics: NodeMetrics
  /** Whether the node takes frames (not stopped). */
  running(): boolean
  heartbeat(from: string, frame: HeartbeatFrame): void
  /** Any other frame. */
  frame(from: string, frame: Exclude<Frame, HeartbeatFrame>): void
  connect(peer: string): void
  disconnect(peer: string): void
}

export class FrameLink {
  readonly #deps: FrameLinkDeps
  #buffer: StartBuffer | undefined

  constructor(deps: FrameLinkDeps) {
    this.#deps = deps
  }

  /** What the transport calls: kept while the node starts, handled once it runs. */
  readonly events: TransportEvents = {
    frame: (from, bytes) => (this.#buffer ? this.#buffer.frame(from, bytes) : this.receive(from, bytes)),
    connect: (peer) => (this.#buffer ? this.#buffer.link('connect', peer) : this.#deps.connect(peer)),
    disconnect: (peer) =>
      this.#buffer ? this.#buffer.link('disconnect', peer) : this.#deps.disconnect(peer),
  }

  /** The node starts: keep what arrives until `started()`. */
  starting(): void {
    this.#buffer = new StartBuffer()
  }

  /** The node is wired: replay what arrived meanwhile, in order; after an overflow, reconnect every peer (a vectors exchange). */
  started(): void {
    const buffer = this.#buffer
    this.#buffer = undefined
    if (!buffer) return
    for (const event of buffer.drain()) {
      if (event.kind === 'frame') this.receive(event.from, event.bytes)
      else if (event.kind === 'connect') this.#deps.connect(event.peer)
      else this.#deps.disconnect(event.peer)
    }
    if (buffer.dropped > 0) {
      this.#deps.metrics.count('startFramesDropped', buffer.dropped)
      for (const peer of this.#deps.transport.connected()) this.#deps.connect(peer)
    }
  }

  receive(from: string, bytes: Uint8Array): void {
    this.#deps.metrics.received(bytes.length)
    let frame: Frame
    try {
      frame = decodeFrame(bytes)
    } catch (error) {
      const reason = error instanceof WireDecodeError ? 'malformed' : 'decoder-error'
      this.#deps.metrics.dropped(reason)
      this.#deps.env.log.log('warn', 'dropped a frame', { from, reason, error: String(error) })
      return
    }
    if (!this.#deps.running()) return
    this.#observe(from, frame)
    if (frame.type === 'heartbeat') this.#deps.heartbeat(from, frame)
    else this.#deps.frame(from, frame)
  }

  send(peer: string, frame: Frame): boolean {
    return this.sendBytes(peer, encodeFrame(frame))
  }

  sendBytes(peer: string, bytes: Uint8Array): boolean {
    const sent = this.#deps.transport.send(peer, bytes)
    if (sent) this.#deps.metrics.sent(bytes.length)
    return sent
  }

  // What a peer says it holds, for the replication-lag metrics (heartbeat digests are noted by the node).
  #observe(from: string, frame: Frame): void {
    const nowMs = this.#deps.env.clock.now()
    if (frame.type === 'vectors') this.#deps.metrics.peerVectors(from, frame.docs, true, nowMs)
    else if (frame.type === 'sync')
      this.#deps.metrics.peerVectors(from, [{ name: frame.doc, vector: frame.vector }], false, nowMs)
  }
}
