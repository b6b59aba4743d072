/**
 * Round-trip time to one peer, smoothed as TCP does (RFC 6298: SRTT and
 * RTTVAR), and the retransmission timeout derived from it: how long to wait
 * for a sync reply before sending again. Samples come only from exchanges
 * that were not resent (Karn's rule), so a late reply to a first message is
 * never taken for a fast reply to the second.
 */

/**
 * Before any sample. RFC 6298 says 1 s for the open internet; isthmus peers
 * heartbeat every 250 ms by default and a lost first message must not cost a
 * second, so an unmeasured peer gets one default heartbeat interval. A vectors
 * exchange or a first sync reply replaces it within one round trip.
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

  /** The timeout for the `attempt`-th send (0 = first): SRTT + 4·RTTVAR, doubled per repeat, within [min, max]. */
  timeoutMs(attempt = 0): number {
    const base = this.#srttMs === undefined ? RTO_INITIAL_MS : this.#srttMs + K * this.#rttvarMs
    const backedOff = base * 2 ** Math.min(attempt, 16)
    return Math.min(RTO_MAX_MS, Math.max(RTO_MIN_MS, backedOff))
  }
}
