/**
 * What each peer is known to hold, per document, and so whom to pull from
 * next. Every vector a peer sends us (its vectors frame, and the vector each
 * of its sync messages vouches for) is remembered, also while a pull of that
 * document runs with another peer: only one pull per document runs at a time
 * (pulls.ts), so a vector that arrives meanwhile would otherwise be dropped.
 * When a pull ends and the replica still lacks dots some connected peer is
 * known to hold, the next pull starts at once from the peer known to hold
 * the most of them, without waiting for heartbeats to notice.
 *
 * Only what is ahead is kept: a vector the replica already holds is not
 * stored, and one it comes to hold is dropped when next looked at. A chain of
 * pulls that leaves the replica's vector where it was (a peer vouching for
 * dots its sync cannot deliver, say) stops after PULL_CHAIN_IDLE_MAX pulls;
 * the heartbeats' digests take over from there, as before.
 */
import type { DocReplica } from '../docs/doc-replica.ts'
import type { PullEnd, Pulls } from './pulls.ts'
import { distance, dominates, merge, type VersionVector } from './version-vector.ts'

/**
 * (peer, document) vectors kept: one per document per connected peer that
 * holds more than we do. Past it, new ones are not kept (a heartbeat digest
 * mismatch still asks for the vectors again): 1,024 peers × 64 documents.
 */
export const PEER_VECTORS_MAX = 65_536

/**
 * Pulls of one document chained in a row without its vector moving. One is
 * the normal case (the peer's vector moved while we pulled from another);
 * a second that also brings nothing means the vectors promise what the
 * conversations do not deliver, and chaining on would only spin.
 */
export const PULL_CHAIN_IDLE_MAX = 2

interface Chain {
  /** The sum of the replica's vector when the last pull of the chain ended (vectors only grow). */
  held: number
  idle: number
}

function total(vector: VersionVector): number {
  let sum = 0
  for (const seq of Object.values(vector)) sum += seq
  return sum
}

export interface PullTargetsDeps {
  pulls(): Pulls
  /** The replica of `doc` if it is open. */
  loaded(doc: string): DocReplica | undefined
  connected(): string[]
  /** Starts a pull of `replica` from `peer` for its vector `target`. */
  pull(peer: string, replica: DocReplica, target: VersionVector | undefined): void
}

export class PullTargets {
  readonly #deps: PullTargetsDeps
  /** doc → peer → the peer's last vector for it, while it holds dots we lack. */
  readonly #byDoc = new Map<string, Map<string, VersionVector>>()
  #size = 0
  /** doc → its chain of pulls (only for documents with vectors kept: as bounded). */
  readonly #chains = new Map<string, Chain>()

  constructor(deps: PullTargetsDeps) {
    this.#deps = deps
  }

  get size(): number {
    return this.#size
  }

  /** `peer` says it holds `theirs` of `doc` (an empty vector vouches for nothing: ignored); we hold `ours`. */
  remember(peer: string, doc: string, theirs: VersionVector, ours: VersionVector): void {
    if (Object.keys(theirs).length === 0) return
    if (dominates(ours, theirs)) {
      this.#forget(doc, peer)
      return
    }
    let peers = this.#byDoc.get(doc)
    if (!peers?.has(peer) && this.#size >= PEER_VECTORS_MAX) return
    if (!peers) {
      peers = new Map()
      this.#byDoc.set(doc, peers)
    }
    if (!peers.has(peer)) this.#size++
    peers.set(peer, theirs)
  }

  /**
   * `replica` moved (a sync message or live updates were applied): a pull of
   * it started from a peer's vector is done once the replica holds that
   * vector (and whatever more that peer has since vouched for), whoever
   * brought it; waiting on the peer's own reply would only keep the document
   * pending, or resend to it.
   */
  settle(replica: DocReplica): void {
    const pulls = this.#deps.pulls()
    const peer = pulls.peerOf(replica.name)
    const target = pulls.targetOf(replica.name)
    if (peer === undefined || target === undefined) return
    const known = merge(target, this.vectorOf(peer, replica.name) ?? {})
    if (dominates(replica.vector, known)) pulls.done(replica.name, peer)
  }

  /** A pull of `doc` from `peer` ended: if the document is still behind a connected peer's last vector, pull from it now. */
  ended(doc: string, peer: string, _how: PullEnd): void {
    const replica = this.#deps.loaded(doc)
    if (!replica || this.#deps.pulls().peerOf(doc) !== undefined) return
    const live = new Set(this.#deps.connected())
    const next = this.next(doc, replica.vector, peer, (p) => live.has(p))
    if (next !== undefined) this.#deps.pull(next, replica, this.vectorOf(next, doc))
  }

  /** The last vector `peer` sent for `doc`, while it holds dots we lack. */
  vectorOf(peer: string, doc: string): VersionVector | undefined {
    return this.#byDoc.get(doc)?.get(peer)
  }

  /** `peer` is gone: what it held is no longer ours to ask for (a restart may have lost some). */
  forgetPeer(peer: string): void {
    for (const doc of [...this.#byDoc.keys()]) this.#forget(doc, peer)
  }

  /**
   * A pull of `doc` from `ended` just ended (what it had to give, we got; its
   * entry goes), and we hold `ours`: the connected peer to pull from next,
   * the one known to hold the most dots we lack, or undefined.
   */
  next(doc: string, ours: VersionVector, ended: string, live: (peer: string) => boolean): string | undefined {
    this.#forget(doc, ended)
    const peers = this.#byDoc.get(doc)
    let best: string | undefined
    let bestMissing = 0
    for (const [peer, theirs] of [...(peers ?? [])]) {
      const lacking = distance(ours, theirs)
      if (lacking === 0) this.#forget(doc, peer)
      else if (live(peer) && lacking > bestMissing) {
        best = peer
        bestMissing = lacking
      }
    }
    if (best === undefined) return undefined
    const held = total(ours)
    const chain = this.#chains.get(doc)
    if (chain === undefined || chain.held !== held) {
      this.#chains.set(doc, { held, idle: 0 })
      return best
    }
    if (chain.idle >= PULL_CHAIN_IDLE_MAX - 1) return undefined
    chain.idle++
    return best
  }

  #forget(doc: string, peer: string): void {
    const peers = this.#byDoc.get(doc)
    if (!peers?.delete(peer)) return
    this.#size--
    if (peers.size > 0) return
    this.#byDoc.delete(doc)
    this.#chains.delete(doc)
  }
}
