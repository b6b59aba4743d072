/**
 * Which peer each document is being pulled from, and the resend clock of
 * each pull. After a heal every node on one side lacks the same delta and
 * every node on the other could send it: one pull per document at a time
 * keeps the bytes on the wire near the delta itself.
 *
 * A pull lives from the sync start until the peer's reply catches us up (or,
 * for a pull started from the peer's vector, until this replica holds that
 * vector, whoever brought it). A reply re-arms the pull's timer when it is
 * the first since the start or when it brought something; replies that bring
 * nothing do not, and PULL_IDLE_REPLIES_MAX of them in a row restart the
 * conversation at once: it is going round in circles (an Automerge peer sure
 * it sent changes that were lost skips them for good, and both sides answer
 * each other's empty messages until SYNC_ROUNDS_MAX). If the peer falls silent for the peer's retransmission
 * timeout (round-trip.ts), the conversation is restarted (a sync message was
 * lost), with the timeout doubled per repeat. After PULL_RESENDS_MAX restarts
 * the pull is given up, so another peer (or the next vectors exchange) may
 * take it: nothing stays pending forever. Every end is reported (`ended`),
 * so the owner can go on at once with a peer known to hold more.
 */
import type { Env, Timer } from '../env/types.ts'
import type { VersionVector } from './version-vector.ts'

/** Restarts of one pull before it is given up: with doubling from ≥50 ms, ~6 s of silence at most before the cap. */
export const PULL_RESENDS_MAX = 6

/**
 * Replies in a row that bring nothing, after the first, before the pull's
 * conversation is restarted. A healthy pull gets its changes in the first or
 * second reply (Automerge: a reply to a start that crossed the peer's own
 * start carries no changes); a third empty one in a row is the loop above,
 * one round trip per reply, and waiting out the timeout would only add to it.
 */
export const PULL_IDLE_REPLIES_MAX = 2

/** How a pull ended. */
export type PullEnd = 'done' | 'abandoned' | 'dropped'

interface Pull {
  peer: string
  /** Restarts so far (0: the first conversation). */
  attempts: number
  /** When the last start was sent, for a round-trip sample (first attempt only: Karn's rule). */
  sentMs: number
  /** A reply came since the last start. */
  replied: boolean
  /** Replies in a row since then that brought nothing. */
  idle: number
  /** No timer while the start waits in the send backlog. */
  timer: Timer | undefined
  /** The peer's vector that made us pull (none for a pull on a content mismatch). */
  target: VersionVector | undefined
}

export interface PullsDeps {
  env: Env
  /** The retransmission timeout for `peer` at `attempt`. */
  timeoutMs(peer: string, attempt: number): number
  /** A pull timed out: restart its conversation (attempt is the new count). */
  resend(doc: string, peer: string, attempt: number): void
  /** A pull ended: caught up ('done'), given up after PULL_RESENDS_MAX restarts, or its peer left. */
  ended(doc: string, peer: string, how: PullEnd): void
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

  /** The vector `doc`'s pull was started for, if it was started from one. */
  targetOf(doc: string): VersionVector | undefined {
    return this.#pulls.get(doc)?.target
  }

  /**
   * Claims the pull of `doc` for `peer` (`target`: the peer's vector, if that
   * is why); false if a pull of it is under way.
   * A pull whose peer already missed one timeout (resent at least once) may be
   * taken over by another peer: a peer that claims a document but never
   * answers (crashed, or lying about what it holds) must not keep the others
   * from serving it.
   */
  claim(doc: string, peer: string, target?: VersionVector): boolean {
    const current = this.#pulls.get(doc)
    if (current && (current.peer === peer || current.attempts === 0)) return false
    current?.timer?.cancel()
    const now = this.#deps.env.clock.now()
    this.#pulls.set(doc, {
      peer,
      attempts: 0,
      sentMs: now,
      replied: false,
      idle: 0,
      timer: undefined,
      target,
    })
    return true
  }

  /** The start of `doc`'s pull went out now: arm its resend timer. */
  sent(doc: string): void {
    const pull = this.#pulls.get(doc)
    if (!pull) return
    pull.sentMs = this.#deps.env.clock.now()
    pull.replied = false
    pull.idle = 0
    this.#arm(doc, pull)
  }

  /** The start could not be sent (queued for retry): no timer runs meanwhile. */
  parked(doc: string): void {
    const pull = this.#pulls.get(doc)
    pull?.timer?.cancel()
    if (pull) pull.timer = undefined
  }

  /**
   * A sync message about `doc` came from `peer` (`advanced`: it brought
   * something, or caught us up). The first reply since the start, or one
   * that advanced, shows the conversation lives: its timer starts over. Too
   * many empty ones in a row restart it (PULL_IDLE_REPLIES_MAX).
   */
  progress(doc: string, peer: string, advanced: boolean): void {
    const pull = this.#pulls.get(doc)
    if (!pull || pull.peer !== peer || pull.timer === undefined) return
    if (pull.attempts === 0 && pull.sentMs >= 0) {
      this.#deps.sample(peer, this.#deps.env.clock.now() - pull.sentMs)
      pull.sentMs = -1 // one sample per conversation: later replies answer later messages
    }
    if (pull.replied && !advanced) {
      if (++pull.idle >= PULL_IDLE_REPLIES_MAX) this.#expired(doc, pull)
      return
    }
    pull.replied = true
    pull.idle = 0
    this.#arm(doc, pull)
  }

  /**
   * `peer`'s round trip was just measured: its pulls still waiting on a first
   * reply under a timeout set without it are re-armed to the measured one
   * (counted from their start), so a start lost before the first sample
   * costs the measured timeout, not the unmeasured default.
   */
  measured(peer: string): void {
    const now = this.#deps.env.clock.now()
    for (const [doc, pull] of this.#pulls) {
      if (pull.peer !== peer || pull.timer === undefined || pull.replied || pull.attempts > 0) continue
      const remainingMs = Math.max(0, this.#deps.timeoutMs(peer, 0) - (now - pull.sentMs))
      pull.timer.cancel()
      pull.timer = this.#deps.env.clock.setTimer(remainingMs, () => this.#expired(doc, pull))
    }
  }

  /** `peer`'s reply caught `doc` up (or this replica holds the pull's target): the pull is done. */
  done(doc: string, peer: string): void {
    const pull = this.#pulls.get(doc)
    if (!pull || pull.peer !== peer) return
    pull.timer?.cancel()
    this.#pulls.delete(doc)
    this.#deps.ended(doc, peer, 'done')
  }

  /** `peer` is gone: its pulls end, so other peers may be asked. */
  dropPeer(peer: string): void {
    const dropped: string[] = []
    for (const [doc, pull] of this.#pulls) {
      if (pull.peer !== peer) continue
      pull.timer?.cancel()
      this.#pulls.delete(doc)
      dropped.push(doc)
    }
    for (const doc of dropped) this.#deps.ended(doc, peer, 'dropped')
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
    pull.timer?.cancel()
    pull.timer = undefined
    if (pull.attempts >= PULL_RESENDS_MAX) {
      this.#pulls.delete(doc)
      this.#deps.ended(doc, pull.peer, 'abandoned')
      return
    }
    pull.attempts++
    this.#deps.resend(doc, pull.peer, pull.attempts)
  }
}
