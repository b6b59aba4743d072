/**
 * Round-trip time to one peer, smoothed as TCP does (RFC 6298: SRTT and
 * RTTVAR), and the retransmission timeout derived from it: how long to wait
 * for a sync reply before sending again. Samples come only from exchanges
 * that were not resent (Karn's rule), so a late reply to a first message is
 * never taken for a fast reply to the second.
 */

/**
 * Before any sample, to any peer. RFC 6298 says 1 s for the open internet;
 * isthmus peers heartbeat every 250 ms by default and a lost first message
 * must not cost a second, so a node that has measured no path yet gets one
 * default heartbeat interval. A vectors exchange or a first sync reply
 * replaces it within one round trip (RoundTrips).
 */
export const RTO_INITIAL_MS = 250
/**
 * Floor. A reply waits on the peer's durable append (an fsync: ~1-10 ms on an
 * SSD, tens on network volumes) and its event loop, which round trips measured
 * on idle links do not show; resending sooner only duplicates work in flight.
 */
export const RTO_MIN_MS = 50
/** Cap, also after backoff: past 5 s the failure detector (phi, heartbeats) is the better judge of a silent peer. */
export const RTO_MAX_MS = 5_000

const ALPHA = 1 / 8
const BETA = 1 / 4
/** RFC 6298's K: the timeout sits 4 deviations above the smoothed round trip. */
const K = 4

export class RoundTrip {
  #srttMs: number | undefined
  #rttvarMs = 0

  /** The smoothed round trip, or undefined before any sample. */
  get srttMs(): number | undefined {
    return this.#srttMs
  }

  /** Records one measured round trip (ignored if negative or not finite). */
  sample(rttMs: number): void {
    if (!Number.isFinite(rttMs) || rttMs < 0) return
    if (this.#srttMs === undefined) {
      this.#srttMs = rttMs
      this.#rttvarMs = rttMs / 2
      return
    }
    this.#rttvarMs = (1 - BETA) * this.#rttvarMs + BETA * Math.abs(this.#srttMs - rttMs)
    this.#srttMs = (1 - ALPHA) * this.#srttMs + ALPHA * rttMs
  }

  /** SRTT + 4·RTTVAR before backoff and bounds, or undefined before any sample. */
  get baseMs(): number | undefined {
    return this.#srttMs === undefined ? undefined : this.#srttMs + K * this.#rttvarMs
  }

  /** The timeout for the `attempt`-th send (0 = first): SRTT + 4·RTTVAR, doubled per repeat, within [min, max]. */
  timeoutMs(attempt = 0): number {
    return backedOffMs(this.baseMs ?? RTO_INITIAL_MS, attempt)
  }
}

function backedOffMs(baseMs: number, attempt: number): number {
  const backedOff = baseMs * 2 ** Math.min(attempt, 16)
  return Math.min(RTO_MAX_MS, Math.max(RTO_MIN_MS, backedOff))
}

/** Round-trip estimates kept per peer across reconnects (a partition drops the connection, not the path): as many as members. */
export const RTT_PEERS_MAX = 1024

/**
 * The round trips to every peer, and the timeout for one not measured yet.
 * A peer we never measured (just restarted, or met on a heal) is most likely
 * on the same network as the peers we have measured, so its first timeout is
 * borrowed from them: the largest of their timeouts (the slowest known path,
 * so a peer a little slower than the average is not resent to at once), at
 * most RTO_INITIAL_MS (a borrowed path says no more than the default does
 * that it is slow). Only with no peer measured at all does RTO_INITIAL_MS
 * apply as is.
 */
export class RoundTrips {
  readonly #peers = new Map<string, RoundTrip>()

  /** The smoothed round trip to `peer`, once measured. */
  srttMs(peer: string): number | undefined {
    return this.#peers.get(peer)?.srttMs
  }

  /** Whether `peer`'s round trip has been measured. */
  measured(peer: string): boolean {
    return this.srttMs(peer) !== undefined
  }

  sample(peer: string, rttMs: number): void {
    let rtt = this.#peers.get(peer)
    if (!rtt) {
      if (this.#peers.size >= RTT_PEERS_MAX) this.#peers.delete(this.#peers.keys().next().value as string)
      rtt = new RoundTrip()
      this.#peers.set(peer, rtt)
    }
    rtt.sample(rttMs)
  }

  /** The timeout for the `attempt`-th send to `peer`: its own estimate, else one borrowed (see the class comment). */
  timeoutMs(peer: string, attempt = 0): number {
    const own = this.#peers.get(peer)?.baseMs
    if (own !== undefined) return backedOffMs(own, attempt)
    let borrowed: number | undefined
    for (const rtt of this.#peers.values()) {
      const base = rtt.baseMs
      if (base !== undefined && (borrowed === undefined || base > borrowed)) borrowed = base
    }
    return backedOffMs(Math.min(RTO_INITIAL_MS, borrowed ?? RTO_INITIAL_MS), attempt)
  }
}
