/**
 * What the replicator keeps per connected peer: the live queue, our vectors
 * request, the send backlog and the digest bookkeeping. State exists only for
 * peers that are connected: it is made on first use, dropped on disconnect
 * (sessions restart from saved sync state on reconnect), and state made for a
 * peer after it left (a frame still being applied) is pruned on the next tick.
 */
import type { Env } from '../env/types.ts'
import { LiveQueue } from './live-queue.ts'
import type { ReplicatorMetric } from './replicator-events.ts'
import { SendBacklog } from './send-backlog.ts'
import { VectorsRequest } from './vectors-request.ts'
import type { Frame } from './wire.ts'

export interface PeerState {
  live: LiveQueue
  /** Our digest and theirs last differed: announce `converged` when they match again. */
  diverged: boolean
  /** Our vectors request to the peer, its rate limit and resends. */
  vectors: VectorsRequest
  /** The digest in the peer's last heartbeat. */
  lastTheirDigest: number | undefined
  backlog: SendBacklog
  retrying: boolean
}

export interface PeerStatesDeps {
  env: Env
  send(peer: string, frame: Frame): boolean
  connected(): string[]
  /** The link took live dots of `doc` for `peer` (holder evidence). */
  sentLive(peer: string, doc: string, seqs: number[]): void
  metric(name: ReplicatorMetric, value: number): void
  /** Resync `peer` from vectors at once (after its live queue overflowed). */
  resync(peer: string): void
  /** Sends our vectors request to `peer` again; false if the link refused it. */
  resendVectors(peer: string): boolean
  /** The retransmission timeout to `peer` for the `attempt`-th send (0 = first). */
  timeoutMs(peer: string, attempt: number): number
  /** A round trip to `peer` measured from a vectors request to its reply. */
  sample(peer: string, rttMs: number): void
}

export class PeerStates {
  readonly #deps: PeerStatesDeps
  readonly #states = new Map<string, PeerState>()

  constructor(deps: PeerStatesDeps) {
    this.#deps = deps
  }

  /** The state of `peer`, made if it has none. */
  get(peer: string): PeerState {
    let state = this.#states.get(peer)
    if (!state) {
      state = this.#create(peer)
      this.#states.set(peer, state)
    }
    return state
  }

  /** The state of a connected peer (none for one that left: nothing is kept for it). */
  live(peer: string): PeerState | undefined {
    if (this.#states.has(peer) || this.#deps.connected().includes(peer)) return this.get(peer)
    return undefined
  }

  /** `peer` disconnected: its state goes. */
  drop(peer: string): void {
    this.#states.get(peer)?.vectors.cancel()
    this.#states.delete(peer)
  }

  /** Drops the state of peers no longer connected; the connected peers' states remain, in insertion order. */
  pruned(): Array<[string, PeerState]> {
    const live = new Set(this.#deps.connected())
    const kept: Array<[string, PeerState]> = []
    for (const [peer, state] of this.#states) {
      if (live.has(peer)) kept.push([peer, state])
      else this.drop(peer)
    }
    return kept
  }

  /** The states of connected peers, without pruning the others. */
  connected(): Array<[string, PeerState]> {
    const live = new Set(this.#deps.connected())
    return [...this.#states].filter(([peer]) => live.has(peer))
  }

  /** Stops every vectors request's timer (the node stops). */
  cancelAll(): void {
    for (const state of this.#states.values()) state.vectors.cancel()
  }

  #create(peer: string): PeerState {
    const deps = this.#deps
    return {
      live: new LiveQueue({
        send: (frame) => deps.send(peer, frame),
        sent: (frame) =>
          deps.sentLive(
            peer,
            frame.doc,
            frame.entries.map((e) => e.seq),
          ),
        refused: () => {
          deps.metric('sendsRefused', 1)
          this.#states.get(peer)?.backlog.owesVectors()
        },
        overflowed: () => deps.metric('resyncs', 1),
        resync: () => deps.resync(peer),
      }),
      diverged: false,
      vectors: new VectorsRequest({
        env: deps.env,
        timeoutMs: (attempt) => deps.timeoutMs(peer, attempt),
        resend: () => {
          deps.metric('resends', 1)
          if (!deps.resendVectors(peer)) this.#states.get(peer)?.backlog.owesVectors()
        },
        sample: (rttMs) => deps.sample(peer, rttMs),
      }),
      lastTheirDigest: undefined,
      backlog: new SendBacklog(),
      retrying: false,
    }
  }
}
