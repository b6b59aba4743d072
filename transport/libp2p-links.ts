/**
 * Which stream is each peer's frame stream, and the `connect`/`disconnect`
 * events that follow from it. A peer is connected while it has a frame
 * stream, not merely a libp2p connection: only then can frames flow.
 *
 * One stream per peer, settled without a race: of two peers, the one with
 * the lower id opens the stream (on the first connection between them,
 * whichever side dialed); the other only accepts. So two nodes dialing each
 * other at once still end up with one stream. A newer stream from the opener
 * replaces the current one (the opener only opens when it saw the old one
 * die); a stream from a peer that should not open one is accepted only when
 * there is none (a peer not following the rule still gets a link), and
 * otherwise reset.
 *
 * Events: `connect` when a peer gains a stream; `disconnect` when it loses it;
 * a replacement is `disconnect` then `connect`, since frames in flight on the
 * old stream may be lost. Nothing fires after `close()`.
 */
import type { Connection, Stream } from '@libp2p/interface'
import type { Clock, Logger, Random, Timer } from '../src/env/types.ts'
import { Link, type LinkLimits } from './libp2p-link.ts'
import { backoffDelayMs, type ReconnectPolicy } from './libp2p-reconnect.ts'
import type { Libp2pTransportStats } from './libp2p-stats.ts'
import type { TransportEvents } from './transport.ts'

/** The protocol of the frame stream; its version is the version of the framing. */
export const ISTHMUS_PROTOCOL = '/isthmus/1.0.0'

/**
 * Tries to open a frame stream on a live connection before hanging up on the
 * peer. A conforming peer accepts the first; five failures in a row (with
 * backoff between them) mean it does not speak our protocol, or keeps
 * breaking the framing, and should not hold a connection for nothing.
 */
export const STREAM_OPEN_ATTEMPTS_MAX = 5

/**
 * How long a dial waits for the frame stream once the connection is up:
 * negotiating it takes a round trip or two, so 10 s means the peer does not
 * speak `/isthmus/1.0.0`.
 */
export const LINK_UP_TIMEOUT_MS = 10_000

/** Dials waiting for a frame stream at once: a node dialing in a loop without awaiting is a bug, not a workload. */
export const LINK_WAITERS_MAX = 256

export interface PeerLinksInit {
  selfId: string
  limits: LinkLimits
  stats: Libp2pTransportStats
  events: TransportEvents
  clock: Clock
  random: Random
  log: Logger
  policy: ReconnectPolicy
  /** An open libp2p connection to `peer`, if any. */
  connectionTo(peer: string): Connection | undefined
  /** Closes every connection to `peer`. */
  hangUp(peer: string): void
  /** `peer` lost its frame stream (after `disconnect` fired). */
  linkDown(peer: string): void
}

interface Waiter {
  resolve(up: boolean): void
  timer: Timer
}

/** The frame streams of one running transport, by peer id. */
export class PeerLinks {
  readonly #init: PeerLinksInit
  readonly #links = new Map<string, Link>()
  readonly #opening = new Set<string>()
  // Failed opens per peer since its last good frame or fresh connection.
  readonly #openAttempts = new Map<string, number>()
  readonly #reopenTimers = new Map<string, Timer>()
  readonly #waiters = new Map<string, Waiter[]>()
  #waiterCount = 0
  #closed = false

  constructor(init: PeerLinksInit) {
    this.#init = init
  }

  /** Peers with a frame stream now. */
  connected(): string[] {
    return [...this.#links.keys()]
  }

  has(peer: string): boolean {
    return this.#links.has(peer)
  }

  /** Sends one frame to `peer`; false (and counted) if it has no stream or its queue is full. */
  send(peer: string, frame: Uint8Array): boolean {
    const link = this.#links.get(peer)
    if (link === undefined || !link.writable) {
      this.#init.stats.dropped.notConnected++
      return false
    }
    return link.send(frame)
  }

  /** A connection came up (or a dial found one): open the frame stream if it is ours to open. */
  connectionUp(connection: Connection, fresh: boolean): void {
    const peer = connection.remotePeer.toString()
    if (fresh) this.#openAttempts.delete(peer)
    if (this.#weOpen(peer) && !this.#links.has(peer)) void this.#open(peer, connection)
  }

  /** The peer opened a frame stream to us. */
  inbound(stream: Stream, connection: Connection): void {
    const peer = connection.remotePeer.toString()
    if (this.#closed) {
      stream.abort(new Error('transport stopping'))
    } else if (!this.#weOpen(peer) || !this.#links.has(peer)) {
      this.#adopt(peer, stream)
    } else {
      stream.abort(new Error('duplicate frame stream: the lower peer id opens it'))
    }
  }

  /** Resolves true once `peer` has a frame stream; false after `LINK_UP_TIMEOUT_MS`, on `signal`, or on close. */
  whenUp(peer: string, signal?: AbortSignal): Promise<boolean> {
    if (this.#links.has(peer)) return Promise.resolve(true)
    if (this.#closed || signal?.aborted || this.#waiterCount >= LINK_WAITERS_MAX)
      return Promise.resolve(false)
    return new Promise((resolve) => {
      const waiter: Waiter = {
        resolve,
        timer: this.#init.clock.setTimer(LINK_UP_TIMEOUT_MS, () => this.#settle(peer, false, waiter)),
      }
      signal?.addEventListener('abort', () => this.#settle(peer, false, waiter), { once: true })
      this.#waiterCount++
      this.#waiters.set(peer, [...(this.#waiters.get(peer) ?? []), waiter])
    })
  }

  /** Stops every event: streams are left to libp2p's stop, which closes their connections. */
  close(): void {
    this.#closed = true
    for (const timer of this.#reopenTimers.values()) timer.cancel()
    this.#reopenTimers.clear()
    for (const link of this.#links.values()) link.detach()
    this.#links.clear()
    for (const peer of [...this.#waiters.keys()]) this.#settle(peer, false)
  }

  // The lower id opens; string order is fine since both ends compute the same.
  #weOpen(peer: string): boolean {
    return this.#init.selfId < peer
  }

  async #open(peer: string, connection: Connection): Promise<void> {
    if (this.#opening.has(peer) || this.#closed) return
    this.#opening.add(peer)
    try {
      const stream = await connection.newStream(ISTHMUS_PROTOCOL, {
        signal: AbortSignal.timeout(LINK_UP_TIMEOUT_MS),
      })
      if (this.#closed) stream.abort(new Error('transport stopping'))
      else this.#adopt(peer, stream)
    } catch (error) {
      this.#init.log.log('debug', 'frame stream did not open', { peer, error: describe(error) })
      this.#retryOpen(peer)
    } finally {
      this.#opening.delete(peer)
    }
  }

  // Opens again after a backoff while the connection lives; past the budget, hangs up.
  #retryOpen(peer: string): void {
    if (this.#closed || this.#links.has(peer) || this.#reopenTimers.has(peer)) return
    if (this.#init.connectionTo(peer) === undefined) {
      // The peer is gone; forget its budget so the map only holds peers we are connected to.
      this.#openAttempts.delete(peer)
      return
    }
    const attempt = this.#openAttempts.get(peer) ?? 0
    if (attempt >= STREAM_OPEN_ATTEMPTS_MAX) {
      this.#init.log.log('warn', 'no frame stream to peer; hanging up', { peer, attempts: attempt })
      this.#openAttempts.delete(peer)
      this.#init.hangUp(peer)
      return
    }
    this.#openAttempts.set(peer, attempt + 1)
    const delayMs = backoffDelayMs(attempt, this.#init.policy, this.#init.random)
    const timer = this.#init.clock.setTimer(delayMs, () => {
      this.#reopenTimers.delete(peer)
      const connection = this.#init.connectionTo(peer)
      if (connection !== undefined && !this.#links.has(peer)) void this.#open(peer, connection)
    })
    this.#reopenTimers.set(peer, timer)
  }

  #adopt(peer: string, stream: Stream): void {
    const old = this.#links.get(peer)
    const link: Link = new Link(stream, this.#init.limits, this.#init.stats, {
      frame: (frame) => this.#onFrame(peer, frame),
      broken: (error) => this.#init.log.log('warn', 'frame dropped; stream reset', { peer, ...error }),
      closed: () => this.#onClosed(peer, link),
    })
    this.#links.set(peer, link)
    this.#reopenTimers.get(peer)?.cancel()
    this.#reopenTimers.delete(peer)
    if (old !== undefined) {
      old.detach()
      old.abort('replaced by a newer frame stream')
      this.#init.events.disconnect(peer)
    }
    this.#init.events.connect(peer)
    this.#settle(peer, true)
  }

  #onFrame(peer: string, frame: Uint8Array): void {
    // A frame that decodes proves the link works: a later failure starts a fresh budget.
    this.#openAttempts.delete(peer)
    this.#init.events.frame(peer, frame)
  }

  #onClosed(peer: string, link: Link): void {
    if (this.#closed || this.#links.get(peer) !== link) return
    this.#links.delete(peer)
    this.#init.events.disconnect(peer)
    this.#init.linkDown(peer)
    if (this.#weOpen(peer)) this.#retryOpen(peer)
  }

  // Resolves the waiters for `peer` (or just `only`).
  #settle(peer: string, up: boolean, only?: Waiter): void {
    // A waiter settles once: by its stream, its timer or its signal, whichever comes first.
    const waiters = this.#waiters.get(peer) ?? []
    const settling = only === undefined ? waiters : waiters.filter((waiter) => waiter === only)
    const rest = only === undefined ? [] : waiters.filter((waiter) => waiter !== only)
    if (rest.length > 0) this.#waiters.set(peer, rest)
    else this.#waiters.delete(peer)
    for (const waiter of settling) {
      waiter.timer.cancel()
      this.#waiterCount--
      waiter.resolve(up)
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error)
}
