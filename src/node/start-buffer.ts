/**
 * Frames and connects that arrive while a node starts: the transport is up
 * before membership and replication are wired, and what arrives in between
 * must not be lost (a connect lost there means no vectors exchange with that
 * peer until the next digest mismatch). Kept in order, bounded, and replayed
 * once the node is wired; past the bound frames are dropped and counted, and
 * the node asks every peer for vectors after the replay, which loses nothing.
 */

/** Frames kept: a peer's heartbeats and a burst of live updates over a slow start. */
export const START_FRAMES_MAX = 10_000
/** Bytes kept: a few large sync messages (FRAME_BYTES_MAX is 32 MiB). */
export const START_BYTES_MAX = 64 * 1024 * 1024

export type StartEvent =
  | { kind: 'frame'; from: string; bytes: Uint8Array }
  | { kind: 'connect' | 'disconnect'; peer: string }

export class StartBuffer {
  #events: StartEvent[] = []
  #bytes = 0
  #frames = 0
  /** Frames dropped at the bound. */
  dropped = 0

  frame(from: string, bytes: Uint8Array): void {
    if (this.#frames >= START_FRAMES_MAX || this.#bytes + bytes.length > START_BYTES_MAX) {
      this.dropped++
      return
    }
    this.#frames++
    this.#bytes += bytes.length
    this.#events.push({ kind: 'frame', from, bytes })
  }

  /** Connects and disconnects are kept in order with the frames (a few per peer; peers are bounded by the transport). */
  link(kind: 'connect' | 'disconnect', peer: string): void {
    this.#events.push({ kind, peer })
  }

  /** Everything kept, in arrival order; the buffer is empty afterwards. */
  drain(): StartEvent[] {
    const events = this.#events
    this.#events = []
    this.#bytes = 0
    this.#frames = 0
    return events
  }
}
