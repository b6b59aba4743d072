/**
 * Whom to believe when a peer says it holds my dots (`replicas: k`). A peer
 * counts as a holder of my dot only on evidence that it could hold it:
 *
 * - an ack, for a dot I actually sent that peer in a live frame;
 * - a vector (vectors or sync frames), only up to the highest of my own seqs
 *   whose content I sent that peer (live, or in a sync message generated
 *   when my vector was that far).
 *
 * A claim of a seq of mine above what I have issued is proof of a lie (or of
 * my own lost state, which the caller reports separately): the peer is not
 * believed about anything until it reconnects. A peer that acks exactly what
 * it was sent without storing it cannot be told from an honest one; that is
 * the limit of what a receiver of acks can know.
 */
import type { VersionVector } from '../../store/store.ts'
import type { DocReplica } from '../docs/doc-replica.ts'
import { getOrCreate } from '../get-or-create.ts'
import type { AckFrame } from './wire.ts'

/**
 * How far beyond my own issued seq a peer's claim is believed to be my lost
 * state (DocReplica.observeOwnSeq). A node loses its own dots only with its
 * unsynced tail (a few group-commit batches of at most 1,024 entries): losing
 * more means losing the store, identity included, and a new id.
 */
export const OWN_SEQ_CLAIM_JUMP_MAX = 65_536

/** Live dots remembered per peer for matching acks: far more than a round trip's worth of writes. */
export const SENT_DOTS_PER_PEER_MAX = 65_536
/** Peers remembered: as many members as a node knows (MEMBERS_KNOWN_MAX). */
export const PEERS_REMEMBERED_MAX = 1024

const key = (doc: string, seq: number) => `${doc}\u0000${seq}`

export class HolderEvidence {
  /** peer → live dots sent (insertion order: the oldest are forgotten first). */
  readonly #sent = new Map<string, Set<string>>()
  /** peer → doc → highest own seq whose content was sent. */
  readonly #sentUpTo = new Map<string, Map<string, number>>()
  readonly #distrusted = new Set<string>()

  /** Live updates of mine for `doc` went to `peer`. */
  sentLive(peer: string, doc: string, seqs: readonly number[]): void {
    const sent = this.#peer(this.#sent, peer, () => new Set<string>())
    let highest = 0
    for (const seq of seqs) {
      if (sent.size >= SENT_DOTS_PER_PEER_MAX) sent.delete(sent.values().next().value as string)
      sent.add(key(doc, seq))
      highest = Math.max(highest, seq)
    }
    this.#raise(peer, doc, highest)
  }

  /** A sync message for `doc` went to `peer`, generated when my own seq there was `ownSeq`. */
  sentSync(peer: string, doc: string, ownSeq: number): void {
    this.#raise(peer, doc, ownSeq)
  }

  /**
   * Of the seqs `peer` acked for my `doc`, those to count. `issued` is the
   * highest seq of mine I hold; an ack above it marks the peer a liar.
   */
  acked(peer: string, doc: string, seqs: readonly number[], issued: number): number[] {
    if (seqs.some((seq) => seq > issued)) this.#distrusted.add(peer)
    if (this.#distrusted.has(peer)) return []
    const sent = this.#sent.get(peer)
    return sent ? seqs.filter((seq) => sent.has(key(doc, seq))) : []
  }

  /**
   * Up to which of my seqs `peer`'s claim `claimed` for my `doc` may count.
   * A claim above `issued` marks the peer a liar (returns 0).
   */
  vectorClaim(peer: string, doc: string, claimed: number, issued: number): number {
    if (claimed > issued) this.#distrusted.add(peer)
    if (this.#distrusted.has(peer)) return 0
    return Math.min(claimed, this.#sentUpTo.get(peer)?.get(doc) ?? 0)
  }

  /** Whether `peer` was caught claiming what it cannot hold (until it reconnects). */
  distrusts(peer: string): boolean {
    return this.#distrusted.has(peer)
  }

  /** `peer` connected anew: a fresh chance (an honest peer may have spoken for my lost state). */
  reconnected(peer: string): void {
    this.#distrusted.delete(peer)
  }

  #raise(peer: string, doc: string, seq: number): void {
    const upTo = this.#peer(this.#sentUpTo, peer, () => new Map<string, number>())
    if (seq > (upTo.get(doc) ?? 0)) upTo.set(doc, seq)
  }

  #peer<V>(map: Map<string, V>, peer: string, make: () => V): V {
    if (!map.has(peer) && map.size >= PEERS_REMEMBERED_MAX) map.delete(map.keys().next().value as string)
    return getOrCreate(map, peer, make)
  }
}

/** Turns what peers say (acks, vectors) into holders of my dots on the replicas, as far as the evidence goes. */
export class HolderCounting {
  readonly #self: string
  readonly #evidence: HolderEvidence
  readonly #deps: { loaded(doc: string): DocReplica | undefined; falseClaim(): void }

  constructor(
    self: string,
    evidence: HolderEvidence,
    deps: { loaded(doc: string): DocReplica | undefined; falseClaim(): void },
  ) {
    this.#self = self
    this.#evidence = evidence
    this.#deps = deps
  }

  /** An ack from `peer`: I push only my own dots, so acks name only mine. */
  ack(peer: string, frame: AckFrame): void {
    if (frame.origin !== this.#self) return
    const replica = this.#deps.loaded(frame.doc)
    if (!replica) return
    const issued = replica.vector[this.#self] ?? 0
    if (frame.seqs.some((seq) => seq > issued)) this.#deps.falseClaim()
    const seqs = this.#evidence.acked(peer, frame.doc, frame.seqs, issued)
    replica.heldBy(
      peer,
      seqs.map((seq) => ({ origin: frame.origin, seq })),
    )
  }

  /**
   * What `peer`'s vector for `replica` says about my own dots: seqs above
   * what I hold mean a liar, or state I lost (then I must not issue those
   * seqs again); the rest count toward `replicas: k` only as far as the
   * evidence goes.
   */
  vector(peer: string, replica: DocReplica, vector: VersionVector): void {
    const claimed = vector[this.#self] ?? 0
    if (claimed === 0) return
    const issued = replica.vector[this.#self] ?? 0
    if (claimed > issued) {
      this.#deps.falseClaim()
      // Honest peers hold no seq of mine I did not issue, unless I lost state: never issue those
      // again. A claim far beyond what a node can lose and keep its id is a liar's, and would
      // otherwise push my seqs past a gap no peer could ever fill.
      if (claimed - issued <= OWN_SEQ_CLAIM_JUMP_MAX) replica.observeOwnSeq(claimed)
    }
    const upTo = this.#evidence.vectorClaim(peer, replica.name, claimed, issued)
    if (upTo > 0) replica.heldUpTo(peer, { [this.#self]: upTo })
  }
}
