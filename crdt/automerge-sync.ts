/**
 * The Automerge sync conversation with one peer: Automerge's own protocol
 * (`generateSyncMessage` / `receiveSyncMessage`) with one SyncState per peer.
 * `save()` is `encodeSyncState`, which keeps only the heads both sides were
 * known to share, so a resumed session skips what the peer already has.
 */
import * as Automerge from '@automerge/automerge'
import { splitChunks } from './automerge-chunks.ts'
import type { PeerSync } from './backend.ts'
import { CrdtDecodeError, decodeFailure } from './errors.ts'

/** What a session needs from the backend that owns the document. */
export interface AutomergeSyncHost {
  // biome-ignore lint/suspicious/noExplicitAny: the document's shape belongs to the caller
  readonly doc: Automerge.Doc<any>
  /**
   * Replaces the document with `step(doc)`; throws CrdtDecodeError (document
   * unchanged) if `step` throws. Returns the changes that were added, as
   * concatenated change chunks, or null if none were.
   */
  // biome-ignore lint/suspicious/noExplicitAny: the document's shape belongs to the caller
  advance(what: string, step: (doc: Automerge.Doc<any>) => Automerge.Doc<any>): Uint8Array | null
}

/** Opens a session; `saved` comes from an earlier session's `save()`. */
export function createAutomergePeerSync(host: AutomergeSyncHost, saved?: Uint8Array): PeerSync {
  return new AutomergePeerSync(host, saved === undefined ? Automerge.initSyncState() : decodeSaved(saved))
}

class AutomergePeerSync implements PeerSync {
  readonly #host: AutomergeSyncHost
  #state: Automerge.SyncState
  #caughtUp = false

  constructor(host: AutomergeSyncHost, state: Automerge.SyncState) {
    this.#host = host
    this.#state = state
  }

  generate(): Uint8Array | null {
    const [state, message] = Automerge.generateSyncMessage(this.#host.doc, this.#state)
    this.#state = state
    return message
  }

  get caughtUp(): boolean {
    return this.#caughtUp
  }

  receive(message: Uint8Array): Uint8Array | null {
    this.#caughtUp = false
    const { heads } = verifyChanges(message)
    let state = this.#state
    const applied = this.#host.advance('automerge sync message', (doc) => {
      const [next, nextState] = Automerge.receiveSyncMessage(doc, this.#state, message)
      state = nextState
      return next
    })
    this.#state = state
    // The message names the sender's heads when it generated it.
    this.#caughtUp = Automerge.hasHeads(this.#host.doc, heads)
    return applied
  }

  save(): Uint8Array {
    return Automerge.encodeSyncState(this.#state)
  }
}

/**
 * Checks the checksum of every change a sync message carries (see
 * automerge-chunks.ts: Automerge does not), so a corrupted message is refused
 * before any of it is applied.
 */
function verifyChanges(message: Uint8Array): Automerge.DecodedSyncMessage {
  let decoded: Automerge.DecodedSyncMessage
  try {
    decoded = Automerge.decodeSyncMessage(message)
  } catch (error) {
    throw decodeFailure('automerge sync message', error)
  }
  for (const change of decoded.changes) {
    try {
      splitChunks(change)
    } catch (error) {
      throw new CrdtDecodeError(`automerge sync message: ${(error as Error).message}`, { cause: error })
    }
  }
  return decoded
}

function decodeSaved(saved: Uint8Array): Automerge.SyncState {
  try {
    return Automerge.decodeSyncState(saved)
  } catch (error) {
    throw decodeFailure('automerge saved sync state', error)
  }
}
