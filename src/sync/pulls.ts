/**
 * Which peer each document is being pulled from, and the resend clock of
 * each pull. After a heal every node on one side lacks the same delta and
 * every node on the other could send it: one pull per document at a time
 * keeps the bytes on the wire near the delta itself.
 *
 * A pull lives from the sync start until the peer's reply catches us up.
 * Each message from the peer re-arms its timer; if the peer falls silent for
 * the peer's retransmission timeout (round-trip.ts), the conversation is
 * restarted (a sync message was lost), with the timeout doubled per repeat.
 * After PULL_RESENDS_MAX restarts the pull is given up, so another peer (or
 * the next vectors exchange) may take it: nothing stays pending forever.
 */
import type { Env, Timer } from '../env/types.ts'

/** Restarts of one pull before it is given up: with doubling from ≥50 ms, ~6 s of silence at most before the cap. */
export const PULL_RESENDS_MAX = 6

interface Pull {
  peer: string
  /** Restarts so far (0: the first conversation). */
  attempts: number
  /** When the last start was sent, for a round-trip sample (first attempt only: Karn's rule). */
  sentMs: number
  /** No timer while the start waits in the send backlog. */
  timer: Timer | undefined
}

export interface PullsDeps {
  env: Env
  /** The retransmission timeout for `peer` at `attempt`. */
  timeoutMs(peer: string, attempt: number): number
  /** A pull timed out: restart its conversation (attempt is the new count). */
  resend(doc: string, peer: string, attempt: number): void
  /** A pull was given up after PULL_RESENDS_MAX restarts. */
  abandoned(doc: string, peer: string): void
  /** A round trip measured from a start to the peer's first reply. */
  sample(peer: string, rttMs: number): void
}

export class Pulls {
  readonly #deps: PullsDeps
  readonly #pulls = new Map<string, Pull>()

  constructor(deps: PullsDeps) {
    this.#deps = deps
  }

  get size(): number {
    return this.#pulls.size
  }

  /** The peer `doc` is being pulled from, if any. */
  peerOf(doc: string): string | undefined {
    return this.#pulls.get(doc)?.peer
  }

  /** Whether some pull from `peer` is under way. */
  busyWith(peer: string): boolean {
    for (const pull of this.#pulls.values()) if (pull.peer === peer) return true
    return false
  }

  /**
   * Claims the pull of `doc` for `peer`; false if a pull of it is under way.
   * A pull whose peer already missed one timeout (resent at least once) may be
   * taken over by another peer: a peer that claims a document but never
   * answers (crashed, or lying about what it holds) must not keep the others
   * from serving it.
   */
  claim(doc: string, peer: string): boolean {
    const current = this.#pulls.get(doc)
    if (current && (current.peer === peer || current.attempts === 0)) return false
    current?.timer?.cancel()
    this.#pulls.set(doc, { peer, attempts: 0, sentMs: this.#deps.env.clock.now(), timer: undefined })
    return true
  }

  /** The start of `doc`'s pull went out now: arm its resend timer. */
  sent(doc: string): void {
    const pull = this.#pulls.get(doc)
    if (!pull) return
    pull.sentMs = this.#deps.env.clock.now()
    this.#arm(doc, pull)
  }

  /** The start could not be sent (queued for retry): no timer runs meanwhile. */
  parked(doc: string): void {
    const pull = this.#pulls.get(doc)
    pull?.timer?.cancel()
    if (pull) pull.timer = undefined
  }

  /** A sync message about `doc` came from `peer`: the conversation lives, so its timer starts over. */
  progress(doc: string, peer: string): void {
    const pull = this.#pulls.get(doc)
    if (!pull || pull.peer !== peer || pull.timer === undefined) return
    if (pull.attempts === 0 && pull.sentMs >= 0) {
      this.#deps.sample(peer, this.#deps.env.clock.now() - pull.sentMs)
      pull.sentMs = -1 // one sample per conversation: later replies answer later messages
    }
    this.#arm(doc, pull)
  }

  /** `peer`'s reply caught `doc` up: the pull is done. */
  done(doc: string, peer: string): void {
    const pull = this.#pulls.get(doc)
    if (!pull || pull.peer !== peer) return
    pull.timer?.cancel()
    this.#pulls.delete(doc)
  }

  /** `peer` is gone: its pulls end, so other peers may be asked. */
  dropPeer(peer: string): void {
    for (const [doc, pull] of this.#pulls) {
      if (pull.peer !== peer) continue
      pull.timer?.cancel()
      this.#pulls.delete(doc)
    }
  }

  /** Every pull, as short reasons for `pendingWork()`. */
  describe(): string[] {
    return [...this.#pulls].map(([doc, p]) =>
      p.timer === undefined
        ? `${doc}: pull from ${p.peer} waiting to be sent`
        : `${doc}: pull from ${p.peer} (attempt ${p.attempts + 1})`,
    )
  }

  /** Cancels every timer (the node stops). */
  clear(): void {
    for (const pull of this.#pulls.values()) pull.timer?.cancel()
    this.#pulls.clear()
  }

  #arm(doc: string, pull: Pull): void {
    pull.timer?.cancel()
    pull.timer = this.#deps.env.clock.setTimer(this.#deps.timeoutMs(pull.peer, pull.attempts), () =>
      this.#expired(doc, pull),
    )
  }

  #expired(doc: string, pull: Pull): void {
    if (this.#pulls.get(doc) !== pull) return
    pull.timer = undefined
    if (pull.attempts >= PULL_RESENDS_MAX) {
      this.#pulls.delete(doc)
      this.#deps.abandoned(doc, pull.peer)
      return
    }
    pull.attempts++
    this.#deps.resend(doc, pull.peer, pull.attempts)
  }
}
