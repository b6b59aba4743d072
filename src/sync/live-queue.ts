/**
 * Live updates for one peer: a local change, once durable, is queued and
 * sent in one `updates` frame per document per wave (coalesced). The queue
 * is bounded; past the bound it is dropped and the peer resynced from
 * vectors instead, which loses nothing. A frame the link refuses is not kept
 * as bytes either: the owner arranges a vectors exchange, after which the
 * peer pulls what it lacks.
 */
import type { Dot } from '../../store/store.ts'
import type { DocReplica } from '../docs/doc-replica.ts'
import type { UpdatesFrame } from './wire.ts'

/** Bytes of live updates queued for one peer before we give up and resync it from vectors. */
export const PEER_QUEUE_BYTES_MAX = 8 * 1024 * 1024

export interface LiveQueueDeps {
  send(frame: UpdatesFrame): boolean
  /** The link took `frame`. */
  sent(frame: UpdatesFrame): void
  /** The link refused a frame. */
  refused(): void
  /** The queue went past PEER_QUEUE_BYTES_MAX and was dropped. */
  overflowed(): void
  /** After an overflow: resync the peer from vectors. */
  resync(): void
}

export class LiveQueue {
  readonly #deps: LiveQueueDeps
  readonly #queue = new Map<string, UpdatesFrame>()
  #queuedBytes = 0
  #flushArmed = false
  #needsResync = false

  constructor(deps: LiveQueueDeps) {
    this.#deps = deps
  }

  /** Something is queued or about to be sent. */
  get busy(): boolean {
    return this.#queue.size > 0 || this.#flushArmed
  }

  add(replica: DocReplica, dot: Dot, update: Uint8Array): void {
    if (this.#needsResync) return
    let frame = this.#queue.get(replica.name)
    if (!frame) {
      frame = {
        type: 'updates',
        doc: replica.name,
        backend: replica.backendName,
        origin: dot.origin,
        entries: [],
      }
      this.#queue.set(replica.name, frame)
    }
    frame.entries.push({ seq: dot.seq, update })
    this.#queuedBytes += update.length
    if (this.#queuedBytes > PEER_QUEUE_BYTES_MAX) {
      this.#queue.clear()
      this.#queuedBytes = 0
      this.#needsResync = true
      this.#deps.overflowed()
    }
    this.#armFlush()
  }

  #armFlush(): void {
    if (this.#flushArmed) return
    this.#flushArmed = true
    // A microtask ends the wave: every change that became durable in the same store batch
    // rides in one frame, without the millisecond a zero-delay timer costs in production.
    // (Microtasks are deterministic: the simulator settles them after every event.)
    queueMicrotask(() => {
      this.#flushArmed = false
      if (this.#needsResync) {
        this.#needsResync = false
        this.#deps.resync()
      }
      for (const frame of this.#queue.values()) {
        if (this.#deps.send(frame)) this.#deps.sent(frame)
        else this.#deps.refused()
      }
      this.#queue.clear()
      this.#queuedBytes = 0
    })
  }
}
