/**
 * Our vectors request to one peer, while unanswered: if no reply comes within
 * the peer's retransmission timeout (round-trip.ts), it is sent again (a lost
 * request or reply would otherwise wait for the next stable digest mismatch),
 * up to VECTORS_RESENDS_MAX times, backing off. A reply to a request sent
 * once is a round-trip sample; to one sent several times it is not (Karn's
 * rule: which of them it answers is unknown).
 */
import type { Env, Timer } from '../env/types.ts'

/** Resends of one unanswered vectors request: past them, the next stable digest mismatch asks again. */
export const VECTORS_RESENDS_MAX = 3

export interface VectorsRequestDeps {
  env: Env
  /** The retransmission timeout for the `attempt`-th send (0 = first). */
  timeoutMs(attempt: number): number
  /** No reply in time: send the request again (calling `sent()` once it is out). */
  resend(): void
  /** A round trip measured from a request sent once to its reply. */
  sample(rttMs: number): void
}

export class VectorsRequest {
  readonly #deps: VectorsRequestDeps
  /** When the last request was asked for (the heartbeat-driven rate limit counts from it). */
  lastRequestMs = Number.NEGATIVE_INFINITY
  /** When the outstanding request went out (NaN: several, so no sample), or undefined when none is. */
  #askedMs: number | undefined
  #resends = 0
  #timer: Timer | undefined

  constructor(deps: VectorsRequestDeps) {
    this.#deps = deps
  }

  /** A request went out: arm the resend timer. */
  sent(): void {
    const resend = this.#askedMs !== undefined
    this.#askedMs = resend ? Number.NaN : this.#deps.env.clock.now()
    this.#timer?.cancel()
    if (resend && this.#resends >= VECTORS_RESENDS_MAX) return
    const attempt = resend ? this.#resends : 0
    this.#timer = this.#deps.env.clock.setTimer(this.#deps.timeoutMs(attempt), () => {
      this.#timer = undefined
      if (this.#askedMs === undefined) return
      this.#resends++
      this.#deps.resend()
    })
  }

  /** The peer's reply came: the request is answered. */
  answered(): void {
    if (this.#askedMs === undefined) return
    if (Number.isFinite(this.#askedMs)) this.#deps.sample(this.#deps.env.clock.now() - this.#askedMs)
    this.#askedMs = undefined
    this.#resends = 0
    this.#timer?.cancel()
  }

  /** Stops the resend timer (the peer left, or the node stops). */
  cancel(): void {
    this.#timer?.cancel()
    this.#timer = undefined
  }
}
