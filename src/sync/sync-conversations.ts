/**
 * The sync conversations of one node: per peer and document, a session of
 * the backend's own protocol (Yjs state vectors, Automerge sync messages),
 * resumed from its saved form. A pull (pulls.ts) starts one; a message from
 * the peer that brings something re-arms the pull's resend timer, and a
 * reply that catches this replica up ends it. A message the link refuses is not kept: the
 * conversation restarts once the link takes frames again (send-backlog.ts).
 */
import type { BackendName, PeerSync } from '../../crdt/backend.ts'
import type { VersionVector } from '../../store/store.ts'
import type { DocReplica } from '../docs/doc-replica.ts'
import { getOrCreate } from '../get-or-create.ts'
import type { HolderEvidence } from './holder-evidence.ts'
import type { Pulls } from './pulls.ts'
import type { ReplicatorMetric } from './replicator-events.ts'
import type { Frame, SyncFrame } from './wire.ts'

/** Sync messages exchanged per document per peer without a round settling: a runaway guard. */
export const SYNC_ROUNDS_MAX = 64

interface Session {
  sync: PeerSync
  rounds: number
}

export interface ConversationDeps {
  self: string
  send(peer: string, frame: Frame): boolean
  replica(name: string, backend: BackendName): Promise<DocReplica>
  loaded(name: string): DocReplica | undefined
  loadSyncState(doc: string, peer: string): Promise<Uint8Array | undefined>
  saveSyncState(doc: string, peer: string, state: Uint8Array): Promise<void>
  pulls: Pulls
  evidence: HolderEvidence
  /** A sync message to `peer` was refused: restart `doc`'s conversation when the link takes frames. */
  owesSyncStart(peer: string, doc: string): void
  /** What `peer`'s vector says about holding my dots. */
  heldFromVector(peer: string, replica: DocReplica, vector: VersionVector): void
  /** A sync message from `peer` vouching for `vector` was applied to `replica`. */
  synced(peer: string, replica: DocReplica, vector: VersionVector): void
  guard(doc: string, peer: string, during: string, work: () => Promise<unknown>): Promise<void>
  metric(name: ReplicatorMetric, value: number): void
  failure(event: { doc: string; peer: string; during: string; error: unknown }): void
}

export class SyncConversations {
  readonly #deps: ConversationDeps
  /** peer → doc → session; a peer's go when it disconnects (they restart from saved state). */
  readonly #sessions = new Map<string, Map<string, Session>>()

  constructor(deps: ConversationDeps) {
    this.#deps = deps
  }

  dropPeer(peer: string): void {
    this.#sessions.delete(peer)
  }

  /** Pulls `replica` from `peer` (`target`: the peer's vector, if that is why), unless a pull of it is under way already. */
  async pull(peer: string, replica: DocReplica, target?: VersionVector): Promise<void> {
    if (!this.#deps.pulls.claim(replica.name, peer, target)) return
    await this.startSync(peer, replica)
  }

  /** A sync start the link refused, sent again: only if the pull is still ours or free. */
  async retryStart(peer: string, doc: string): Promise<boolean> {
    const replica = this.#deps.loaded(doc)
    if (!replica) return true
    const holder = this.#deps.pulls.peerOf(doc)
    if (holder !== peer && (holder !== undefined || !this.#deps.pulls.claim(doc, peer))) return true
    let refused = false
    await this.#deps.guard(doc, peer, 'resend', async () => {
      refused = (await this.startSync(peer, replica)) === 'refused'
    })
    return !refused
  }

  async #session(peer: string, replica: DocReplica): Promise<Session> {
    const sessions = getOrCreate(this.#sessions, peer, () => new Map<string, Session>())
    let session = sessions.get(replica.name)
    if (!session) {
      const saved = await this.#deps.loadSyncState(replica.name, peer)
      session = sessions.get(replica.name) ?? { sync: replica.backend.syncWith(saved), rounds: 0 }
      sessions.set(replica.name, session)
    }
    return session
  }

  /**
   * (Re)starts a conversation. The session is rebuilt from its saved form,
   * which keeps what both sides are known to share but forgets what we
   * believe we sent: a sync message lost on the way would otherwise leave
   * Automerge sure the peer has it, and silent forever.
   */
  async startSync(peer: string, replica: DocReplica): Promise<'sent' | 'refused' | 'silent'> {
    const previous = await this.#session(peer, replica)
    const session = { sync: replica.backend.syncWith(previous.sync.save()), rounds: 0 }
    this.#sessions.get(peer)?.set(replica.name, session)
    const outcome = this.#sendSync(peer, replica, session, true)
    if (outcome === 'sent') this.#deps.pulls.sent(replica.name)
    else if (outcome === 'silent') this.#deps.pulls.done(replica.name, peer)
    return outcome
  }

  #sendSync(
    peer: string,
    replica: DocReplica,
    session: Session,
    restart = false,
  ): 'sent' | 'refused' | 'silent' {
    if (session.rounds >= SYNC_ROUNDS_MAX) return 'silent'
    const payload = session.sync.generate()
    if (!payload) return 'silent'
    session.rounds++
    this.#deps.metric('syncRounds', 1)
    const vector = replica.vector
    const frame: SyncFrame = {
      type: 'sync',
      doc: replica.name,
      backend: replica.backendName,
      // A receiver that catches up with us takes our vector as held, so we vouch only for what
      // we have integrated: with updates still waiting on their dependencies, we vouch for nothing.
      vector: replica.backend.hasPending() ? {} : vector,
      restart,
      payload,
    }
    if (this.#deps.send(peer, frame)) {
      this.#deps.evidence.sentSync(peer, replica.name, vector[this.#deps.self] ?? 0)
      return 'sent'
    }
    // The conversation lost a message: it restarts once the link takes frames again.
    this.#deps.metric('sendsRefused', 1)
    this.#deps.owesSyncStart(peer, replica.name)
    if (this.#deps.pulls.peerOf(replica.name) === peer) this.#deps.pulls.parked(replica.name)
    return 'refused'
  }

  async onSync(peer: string, frame: SyncFrame): Promise<void> {
    const replica = await this.#deps.replica(frame.doc, frame.backend as BackendName)
    let session = await this.#session(peer, replica)
    if (frame.restart) {
      session = { sync: replica.backend.syncWith(session.sync.save()), rounds: 0 }
      this.#sessions.get(peer)?.set(replica.name, session)
    }
    const update = session.sync.receive(frame.payload)
    const receipt = { update, caughtUp: session.sync.caughtUp }
    this.#deps.pulls.progress(replica.name, peer, update !== null || receipt.caughtUp)
    await replica.applySync(peer, receipt, frame.vector)
    this.#deps.synced(peer, replica, frame.vector)
    if (receipt.caughtUp) this.#deps.pulls.done(replica.name, peer)
    this.#deps.heldFromVector(peer, replica, frame.vector)
    // Not awaited (the next message need not wait for it), but a failure is reported, not swallowed.
    this.#deps.saveSyncState(replica.name, peer, session.sync.save()).catch((error: unknown) => {
      this.#deps.failure({ doc: replica.name, peer, during: 'save sync state', error })
    })
    this.#sendSync(peer, replica, session)
  }
}
