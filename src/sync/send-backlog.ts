/**
 * What a peer's link refused (`send()` returned false: its queue was full),
 * kept so it can be sent again once the link takes frames again. Only what
 * matters is kept, each under a bound, and as intent rather than bytes:
 *
 * - acks: the seqs we owe an ack for (an ack lost here times out a
 *   `replicas: k` write that we do hold);
 * - sync starts: the documents whose conversation must be (re)started;
 * - vectors: a vectors exchange is owed (requests cover replies: a request
 *   carries our vectors and is answered with theirs);
 * - live updates are not kept: a refused updates frame is replaced by a
 *   vectors exchange, after which the peer pulls what it lacks.
 */
import { getOrCreate } from '../get-or-create.ts'

/** Seqs owed an ack per peer: past this, the peer learns what we hold from our vectors instead. */
export const ACKS_OWED_MAX = 65_536

export interface OwedAck {
  doc: string
  origin: string
  seqs: number[]
}

/** What the retry loop may send; each returns whether the link took it. */
export interface BacklogSender {
  vectors(): boolean
  ack(ack: OwedAck): boolean
  /** Restarts the conversation about `doc` (false: refused again). */
  syncStart(doc: string): Promise<boolean>
}

export class SendBacklog {
  #vectors = false
  /** doc → origin → seqs. */
  readonly #acks = new Map<string, Map<string, Set<number>>>()
  #ackCount = 0
  readonly #syncStarts = new Set<string>()
  /** Acks dropped at the bound (their holders learn from vectors). */
  overflowed = 0

  get empty(): boolean {
    return !this.#vectors && this.#ackCount === 0 && this.#syncStarts.size === 0
  }

  owesVectors(): void {
    this.#vectors = true
  }

  owesAck(ack: OwedAck): void {
    const byOrigin = getOrCreate(this.#acks, ack.doc, () => new Map<string, Set<number>>())
    const seqs = getOrCreate(byOrigin, ack.origin, () => new Set<number>())
    for (const seq of ack.seqs) {
      if (seqs.has(seq)) continue
      if (this.#ackCount >= ACKS_OWED_MAX) {
        this.overflowed++
        this.#vectors = true
        continue
      }
      seqs.add(seq)
      this.#ackCount++
    }
  }

  owesSyncStart(doc: string): void {
    this.#syncStarts.add(doc)
  }

  /** Sends what is owed, in order, until the link refuses again; returns how many sends succeeded. */
  async retry(send: BacklogSender): Promise<number> {
    let sent = 0
    if (this.#vectors) {
      if (!send.vectors()) return sent
      this.#vectors = false
      sent++
    }
    for (const [doc, byOrigin] of this.#acks) {
      for (const [origin, seqs] of byOrigin) {
        if (!send.ack({ doc, origin, seqs: [...seqs] })) return sent
        this.#ackCount -= seqs.size
        byOrigin.delete(origin)
        sent++
      }
      this.#acks.delete(doc)
    }
    for (const doc of [...this.#syncStarts]) {
      if (!(await send.syncStart(doc))) return sent
      this.#syncStarts.delete(doc)
      sent++
    }
    return sent
  }

  /** Short reasons for `pendingWork()`. */
  describe(peer: string): string[] {
    const out: string[] = []
    if (this.#vectors) out.push(`vectors owed to ${peer}`)
    if (this.#ackCount > 0) out.push(`${this.#ackCount} acks owed to ${peer}`)
    if (this.#syncStarts.size > 0) out.push(`${this.#syncStarts.size} sync starts owed to ${peer}`)
    return out
  }
}
