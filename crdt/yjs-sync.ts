/**
 * The Yjs sync conversation with one peer, on state vectors.
 *
 * 1. Each side opens with a `request` carrying its state vector.
 * 2. A `request` is answered by exactly one `update`: the diff
 *    `Y.encodeStateAsUpdate(doc, theirStateVector)`. Always, even when the
 *    vectors look equal, because deletions do not advance state vectors and
 *    the diff always carries the sender's whole delete set.
 * 3. Afterwards a side speaks only when its document changed in a way the
 *    peer has not seen: new structs beyond what the peer holds, or an update
 *    from anyone but this peer (a local edit, a delete, another session).
 *
 * No `update` is ever answered, so two replicas holding the same state stop
 * after one request and one update each way (3 rounds of `generate()` when
 * both speak at once). A session assumes an ordered, reliable channel, as a
 * stream is; after a loss, start a new session.
 */
import * as Y from 'yjs'
import type { PeerSync } from './backend.ts'
import {
  decodeYjsSavedSync,
  decodeYjsSyncMessage,
  encodeStateVector,
  encodeYjsSavedSync,
  encodeYjsSyncMessage,
  type StateVector,
} from './yjs-sync-codec.ts'

/**
 * The origin of a Y.Doc transaction that applies remote bytes. The backend's
 * update listener records what the transaction applied and counts it, so a
 * session can tell its own receipts from news it must pass on.
 */
export class RemoteOrigin {
  /** The update Yjs emitted for the last transaction with this origin, until taken. */
  applied: Uint8Array | null = null
  /** How many transactions with this origin changed the document. */
  count = 0
}

/** What a session needs from the backend that owns the Y.Doc. */
export interface YjsSyncHost {
  readonly doc: Y.Doc
  /** How many transactions of any origin have changed the document so far. */
  readonly updateCount: number
  /** Checks and applies `update` as a transaction with `origin`; returns what changed, or null. */
  applyRemote(update: Uint8Array, origin: RemoteOrigin): Uint8Array | null
}

/** Opens a session; `saved` comes from an earlier session's `save()`. */
export function createYjsPeerSync(host: YjsSyncHost, saved?: Uint8Array): PeerSync {
  // Zero bytes: saved by a session that never heard from the peer; nothing is known.
  const known = saved === undefined || saved.length === 0 ? null : decodeYjsSavedSync(saved)
  return new YjsPeerSync(host, known)
}

class YjsPeerSync implements PeerSync {
  readonly #host: YjsSyncHost
  readonly #origin = new RemoteOrigin()
  /** The peer's vector from an earlier session: lets the opening request carry news right away. */
  readonly #saved: StateVector | null
  #opened = false
  /** The vector of a request we have not answered yet. */
  #replyOwed: StateVector | null = null
  /** The most the peer has reported holding: what `save()` keeps. */
  readonly #peerReported: StateVector = new Map()
  /** Whether the peer has reported at all: a session that never heard from it saves nothing. */
  #peerHasReported = false
  /** What the peer holds as far as we know: what it reported plus what we sent it. */
  #peerKnown: StateVector = new Map()
  #updatesAtLastSend: number
  #ownAtLastSend = 0
  #caughtUp = false

  constructor(host: YjsSyncHost, saved: StateVector | null) {
    this.#host = host
    this.#saved = saved
    this.#updatesAtLastSend = host.updateCount
  }

  generate(): Uint8Array | null {
    const ours = stateVectorOf(this.#host.doc)
    if (!this.#opened) {
      this.#opened = true
      return this.#send('request', ours, this.#openingUpdate(ours))
    }
    if (this.#replyOwed !== null) return this.#send('update', ours, this.#diff(this.#replyOwed))
    if (this.#hasNews(ours)) return this.#send('update', ours, this.#diff(this.#peerKnown))
    return null
  }

  get caughtUp(): boolean {
    return this.#caughtUp
  }

  receive(message: Uint8Array): Uint8Array | null {
    this.#caughtUp = false
    const { kind, stateVector, update } = decodeYjsSyncMessage(message)
    const applied = update === null ? null : this.#host.applyRemote(update, this.#origin)
    // Every update a session sends is a diff that carries the sender's whole
    // delete set, so holding its structs means holding all it had.
    this.#caughtUp = update !== null && !exceeds(stateVector, stateVectorOf(this.#host.doc))
    mergeInto(this.#peerReported, stateVector)
    this.#peerHasReported = true
    mergeInto(this.#peerKnown, stateVector)
    // The reply is computed against exactly the vector asked with, not what we
    // believe: a peer that restarted without some state gets it back.
    if (kind === 'request') this.#replyOwed = stateVector
    return applied
  }

  save(): Uint8Array {
    // Saving an empty vector for a peer that never reported would make the next session
    // diff against nothing, shipping the whole document in its first message.
    if (!this.#peerHasReported) return new Uint8Array(0)
    return encodeYjsSavedSync(this.#peerReported)
  }

  #openingUpdate(ours: StateVector): Uint8Array | null {
    if (this.#replyOwed !== null) return this.#diff(this.#replyOwed)
    if (this.#saved !== null && exceeds(ours, this.#saved)) return this.#diff(this.#saved)
    return null
  }

  /** True if the document changed since our last update in a way the peer may not have seen. */
  #hasNews(ours: StateVector): boolean {
    const updates = this.#host.updateCount - this.#updatesAtLastSend
    const own = this.#origin.count - this.#ownAtLastSend
    return updates > own || exceeds(ours, this.#peerKnown)
  }

  #diff(peer: StateVector): Uint8Array {
    return Y.encodeStateAsUpdate(this.#host.doc, encodeStateVector(peer))
  }

  #send(kind: 'request' | 'update', ours: StateVector, update: Uint8Array | null): Uint8Array {
    if (update !== null) {
      this.#replyOwed = null
      mergeInto(this.#peerKnown, ours)
      this.#updatesAtLastSend = this.#host.updateCount
      this.#ownAtLastSend = this.#origin.count
    }
    return encodeYjsSyncMessage({ kind, stateVector: ours, update })
  }
}

function stateVectorOf(doc: Y.Doc): StateVector {
  return Y.decodeStateVector(Y.encodeStateVector(doc))
}

/** True if `a` holds a clock that `b` does not. */
function exceeds(a: StateVector, b: StateVector): boolean {
  for (const [client, clock] of a) if (clock > (b.get(client) ?? 0)) return true
  return false
}

function mergeInto(target: StateVector, source: StateVector): void {
  for (const [client, clock] of source) if (clock > (target.get(client) ?? 0)) target.set(client, clock)
}
