/**
 * One peer's frame stream: the long-lived `/isthmus/1.0.0` stream that
 * carries every frame to and from that peer, for all documents.
 *
 * Outbound frames wait in a bounded queue and are handed to the stream while
 * the muxer accepts data (libp2p 3 `send()` returns false when it wants a
 * `drain`). Inbound chunks go through the frame decoder; a frame that breaks
 * the framing resets the stream, since nothing after it can be trusted.
 */
import type { Stream, StreamMessageEvent } from '@libp2p/interface'
import { encodeFrame, FrameDecoder, type FrameError, LENGTH_PREFIX_BYTES_MAX } from './libp2p-framing.ts'
import type { Libp2pTransportStats } from './libp2p-stats.ts'

/**
 * Frames waiting per peer. The node sends about one frame per document per
 * tick to each peer, so 4096 is seconds of backlog even with hundreds of
 * documents; a peer further behind is better served by the node's
 * summary-based resync than by an ever longer queue.
 */
export const OUTBOUND_QUEUE_FRAMES_MAX = 4096

/**
 * Bytes waiting per peer (in our queue and the stream's write buffer): 64 MiB
 * holds two frames of the default 32 MiB bound, so one maximal frame can wait
 * behind another. With a larger `frameBytesMax` the bound grows to match.
 */
export const OUTBOUND_QUEUE_BYTES_MIN = 64 * 1024 * 1024

/** The queue bound in bytes for a given frame bound: room for two maximal frames. */
export function outboundQueueBytesMax(frameBytesMax: number): number {
  return Math.max(OUTBOUND_QUEUE_BYTES_MIN, 2 * (frameBytesMax + LENGTH_PREFIX_BYTES_MAX))
}

/** What a link reports to its owner. */
export interface LinkHandlers {
  /** A whole frame arrived. */
  frame(frame: Uint8Array): void
  /** The peer broke the framing; the stream is being reset. */
  broken(error: FrameError): void
  /** The stream is gone (closed, reset, or its connection died). */
  closed(): void
}

export interface LinkLimits {
  frameBytesMax: number
  queueBytesMax: number
}

/** The frame stream to one peer. */
export class Link {
  readonly stream: Stream
  readonly #limits: LinkLimits
  readonly #stats: Libp2pTransportStats
  readonly #decoder: FrameDecoder
  #handlers: LinkHandlers | undefined
  /** Frames with their length prefix, each one buffer (see #pump). */
  #queue: Uint8Array[] = []
  #queueBytes = 0
  // Set once the peer broke the framing: whatever still arrives is ignored, not counted again.
  #broken = false

  constructor(stream: Stream, limits: LinkLimits, stats: Libp2pTransportStats, handlers: LinkHandlers) {
    this.stream = stream
    this.#limits = limits
    this.#stats = stats
    this.#handlers = handlers
    this.#decoder = new FrameDecoder(limits.frameBytesMax)
    // Listeners go on at once: libp2p buffers what arrived earlier and
    // replays it to the first 'message' listener, so nothing is lost.
    stream.addEventListener('message', (event) => this.#onMessage(event))
    stream.addEventListener('drain', () => this.#pump())
    stream.addEventListener('close', () => this.#handlers?.closed())
    // A peer that closes its writing end will send no more frames: the link is
    // over for us too (and a later stream from that peer must not be taken for a duplicate).
    stream.addEventListener('remoteCloseWrite', () => this.abort('peer closed its end of the frame stream'))
  }

  /** Whether the stream can still carry frames out. */
  get writable(): boolean {
    return this.stream.status === 'open' && this.stream.writeStatus === 'writable'
  }

  /** Queues one frame; false if it is over the bound or the queue is full (then it is counted as dropped). */
  send(frame: Uint8Array): boolean {
    if (frame.byteLength > this.#limits.frameBytesMax) {
      this.#stats.dropped.oversizeOut++
      return false
    }
    const queuedBytes = this.#queueBytes + this.stream.writeBufferLength
    const frameBytes = frame.byteLength + LENGTH_PREFIX_BYTES_MAX
    if (
      this.#queue.length >= OUTBOUND_QUEUE_FRAMES_MAX ||
      queuedBytes + frameBytes > this.#limits.queueBytesMax
    ) {
      this.#stats.dropped.queueFull++
      return false
    }
    // A copy (prefix and frame in one buffer): the contract lets the caller reuse its
    // buffer as soon as send returns, while libp2p keeps references to queued bytes
    // until they reach the socket.
    const framed = encodeFrame(frame)
    this.#queue.push(framed)
    this.#queueBytes += framed.byteLength
    this.#pump()
    return true
  }

  /** Stops reporting to the owner: the link was replaced or the transport is stopping. */
  detach(): void {
    this.#handlers = undefined
    this.#queue = []
    this.#queueBytes = 0
  }

  /** Resets the stream (the remote sees a reset, not a clean end). */
  abort(reason: string): void {
    this.stream.abort(new Error(reason))
  }

  // Hands queued frames to the stream until the muxer asks us to wait for 'drain'.
  #pump(): void {
    while (this.#queue.length > 0 && !this.stream.writableNeedsDrain && this.writable) {
      const framed = this.#queue.shift() as Uint8Array
      this.#queueBytes -= framed.byteLength
      try {
        // One send per frame: each send becomes its own muxer frame and noise message
        // (about 30 bytes of overhead), so prefix and frame travel together.
        this.stream.send(framed)
      } catch {
        // The stream closed under us; its 'close' event tells the owner.
        return
      }
      this.#stats.framesOut++
      this.#stats.bytesOut += framed.byteLength - prefixBytes(framed)
    }
  }

  #onMessage(event: StreamMessageEvent): void {
    if (this.#broken) return
    const data = event.data
    if (data instanceof Uint8Array) {
      this.#decode(data)
      return
    }
    // A Uint8ArrayList: feed its chunks one by one rather than concatenating them.
    for (const chunk of data) {
      if (!this.#decode(chunk)) return
    }
  }

  // Returns false once the stream has been reset.
  #decode(chunk: Uint8Array): boolean {
    const error = this.#decoder.push(chunk, (frame) => {
      this.#stats.framesIn++
      this.#stats.bytesIn += frame.byteLength
      this.#handlers?.frame(frame)
    })
    if (error === undefined) return true
    this.#broken = true
    this.#stats.dropped[error.reason === 'oversize' ? 'oversizeIn' : 'malformedIn']++
    this.#stats.streamResets++
    this.#handlers?.broken(error)
    this.abort(`frame dropped: ${error.detail}`)
    return false
  }
}

/** Bytes of the varint length prefix at the start of `framed`. */
function prefixBytes(framed: Uint8Array): number {
  let i = 0
  while (i < framed.length && ((framed[i] as number) & 0x80) !== 0) i++
  return i + 1
}
