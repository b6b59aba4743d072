/**
 * Keeps every document replicated with every connected peer.
 *
 * - Live: a local change, once durable, is queued for each connected peer and
 *   sent in one `updates` frame per peer and document per tick (coalesced).
 * - Catch-up: on connect, and whenever a heartbeat's digest differs from
 *   ours, peers swap per-document vectors; for each document where the peer
 *   holds dots we lack, we start the backend's own sync protocol (Yjs state
 *   vectors, Automerge sync messages), which sends deltas only.
 * - Acks: a peer acknowledges live dots once durable, for `replicas: k`.
 *
 * Per-peer queues are bounded; past the bound the queue is dropped and the
 * peer is resynced from vectors instead, which loses nothing.
 */
import type { BackendName, PeerSync } from '../../crdt/backend.ts'
import type { Dot, VersionVector } from '../../store/store.ts'
import type { DocReplica } from '../docs/doc-replica.ts'
import type { Env } from '../env/types.ts'
import type { Emitter } from '../events.ts'
import { compare, missing } from './version-vector.ts'
import type { AckFrame, Frame, SyncFrame, UpdatesFrame, VectorsFrame } from './wire.ts'

/** Bytes of live updates queued for one peer before we give up and resync it from vectors. */
export const PEER_QUEUE_BYTES_MAX = 8 * 1024 * 1024

/**
 * How long a pull of one document from one peer may run before another peer
 * may be asked for the same document. After a heal, every node on one side
 * lacks the same delta and every node on the other side could send it; asking
 * one at a time keeps the bytes on the wire near the delta itself.
 */
export const PULL_EXCLUSIVE_MS = 2_000

/** Sync messages exchanged per document per peer without a round settling: a runaway guard. */
export const SYNC_ROUNDS_MAX = 64

export interface ReplicatorDeps {
  self: string
  env: Env
  send(peer: string, frame: Frame): boolean
  connected(): string[]
  /** The replica of `name`, opening (or creating, for full replication) it with `backend`. */
  replica(name: string, backend: BackendName): Promise<DocReplica>
  /** Replicas open now. */
  replicas(): DocReplica[]
  /** Saved sync state for (doc, peer), and a place to keep it. */
  loadSyncState(doc: string, peer: string): Promise<Uint8Array | undefined>
  saveSyncState(doc: string, peer: string, state: Uint8Array): Promise<void>
  events: Emitter<ReplicatorEvents>
}

export type ReplicatorEvents = {
  diverged: (event: {
    peer: string
    missingHere: Record<string, number>
    missingThere: Record<string, number>
  }) => void
  converged: (event: { peer: string }) => void
  metric: (name: 'syncRounds' | 'resyncs' | 'framesSent', value: number) => void
}

interface PeerState {
  queue: Map<string, UpdatesFrame>
  queuedBytes: number
  flushArmed: boolean
  needsResync: boolean
  sessions: Map<string, { sync: PeerSync; rounds: number }>
  /** Our digest and theirs last differed: announce `converged` when they match again. */
  diverged: boolean
  lastVectorsRequestMs: number
  /** The digest in the peer's last heartbeat. */
  lastTheirDigest: number | undefined
}

export class Replicator {
  readonly #deps: ReplicatorDeps
  readonly #peers = new Map<string, PeerState>()
  /** Per document, the peer we are pulling it from now, and since when. */
  readonly #pulls = new Map<string, { peer: string; sinceMs: number }>()

  constructor(deps: ReplicatorDeps) {
    this.#deps = deps
  }

  connected(peer: string): void {
    this.#peer(peer)
    this.requestVectors(peer, true)
  }

  disconnected(peer: string): void {
    this.#peers.delete(peer) // sessions restart from saved sync state on reconnect
    for (const [doc, pull] of this.#pulls) if (pull.peer === peer) this.#pulls.delete(doc)
  }

  /** Claims the pull of `doc` for `peer`, unless another peer's pull of it is still young. */
  #claimPull(doc: string, peer: string): boolean {
    const now = this.#deps.env.clock.now()
    const current = this.#pulls.get(doc)
    // Also from the same peer: both sides ask for vectors on connect, and answering the
    // request and the reply must not pull the same document twice.
    if (current && now - current.sinceMs < PULL_EXCLUSIVE_MS) return false
    this.#pulls.set(doc, { peer, sinceMs: now })
    return true
  }

  /** Asks `peer` for its vectors (rate-limited to one request per `minIntervalMs` unless forced). */
  requestVectors(peer: string, force = false, minIntervalMs = 0): void {
    const state = this.#peer(peer)
    const now = this.#deps.env.clock.now()
    if (!force && now - state.lastVectorsRequestMs < minIntervalMs) return
    state.lastVectorsRequestMs = now
    this.#deps.send(peer, this.#vectorsFrame(false))
  }

  /** A heartbeat's digest: equal digests mean equal vectors, so nothing to pull. */
  digestSeen(peer: string, theirs: number, ours: number, minIntervalMs: number): void {
    const state = this.#peer(peer)
    const previous = state.lastTheirDigest
    state.lastTheirDigest = theirs
    if (theirs !== ours) {
      // While a peer writes, its digest moves with every heartbeat and its live frames are on
      // the way: pulling then would only fetch what is in flight. Pull when the mismatch holds
      // still (the same digest twice), or at once when a lost frame left a gap here.
      const gap = this.#deps.replicas().some((r) => r.hasGaps)
      if (theirs === previous || gap) this.requestVectors(peer, false, minIntervalMs)
      return
    }
    if (state.diverged) {
      state.diverged = false
      this.#deps.events.emit('converged', { peer })
    }
  }

  /** A local change is durable here: queue it for every connected peer. */
  localDurable(replica: DocReplica, dot: Dot, update: Uint8Array): void {
    for (const peer of this.#deps.connected()) {
      const state = this.#peer(peer)
      if (state.needsResync) continue
      let frame = state.queue.get(replica.name)
      if (!frame) {
        frame = {
          type: 'updates',
          doc: replica.name,
          backend: replica.backendName,
          origin: dot.origin,
          entries: [],
        }
        state.queue.set(replica.name, frame)
      }
      frame.entries.push({ seq: dot.seq, update })
      state.queuedBytes += update.length
      if (state.queuedBytes > PEER_QUEUE_BYTES_MAX) {
        state.queue.clear()
        state.queuedBytes = 0
        state.needsResync = true
        this.#deps.events.emit('metric', 'resyncs', 1)
      }
      this.#armFlush(peer, state)
    }
  }

  #armFlush(peer: string, state: PeerState): void {
    if (state.flushArmed) return
    state.flushArmed = true
    // A microtask ends the wave: every change that became durable in the same store batch
    // rides in one frame, without the millisecond a zero-delay timer costs in production.
    // (Microtasks are deterministic: the simulator settles them after every event.)
    queueMicrotask(() => {
      state.flushArmed = false
      if (state.needsResync) {
        state.needsResync = false
        this.requestVectors(peer, true)
      }
      for (const frame of state.queue.values()) this.#deps.send(peer, frame)
      state.queue.clear()
      state.queuedBytes = 0
    })
  }

  /** Handles a replication frame from `peer`. */
  async onFrame(peer: string, frame: Frame): Promise<void> {
    switch (frame.type) {
      case 'vectors':
        return this.#onVectors(peer, frame)
      case 'sync':
        return this.#onSync(peer, frame)
      case 'updates':
        return this.#onUpdates(peer, frame)
      case 'ack':
        return this.#onAck(peer, frame)
      default:
        return
    }
  }

  #vectorsFrame(reply: boolean): VectorsFrame {
    const docs = this.#deps
      .replicas()
      .map((r) => ({ name: r.name, backend: r.backendName, vector: r.vector }))
    return { type: 'vectors', reply, docs }
  }

  async #onVectors(peer: string, frame: VectorsFrame): Promise<void> {
    if (!frame.reply) this.#deps.send(peer, this.#vectorsFrame(true))
    const missingHere: Record<string, number> = {}
    const missingThere: Record<string, number> = {}
    const theirs = new Map(frame.docs.map((d) => [d.name, d]))
    for (const d of frame.docs) {
      const replica = await this.#deps.replica(d.name, d.backend as BackendName)
      replica.heldUpTo(peer, d.vector)
      addCounts(missingHere, missing(replica.vector, d.vector))
      addCounts(missingThere, missing(d.vector, replica.vector))
      // Pull: we start the library's sync only where the peer holds dots we lack.
      const order = compare(replica.vector, d.vector)
      if ((order === 'before' || order === 'concurrent') && this.#claimPull(d.name, peer)) {
        await this.#startSync(peer, replica)
      }
    }
    for (const r of this.#deps.replicas()) {
      if (!theirs.has(r.name)) addCounts(missingThere, missing({}, r.vector))
    }
    const state = this.#peer(peer)
    if (Object.keys(missingHere).length > 0 && Object.keys(missingThere).length > 0 && !state.diverged) {
      state.diverged = true
      this.#deps.events.emit('diverged', { peer, missingHere, missingThere })
    }
  }

  async #session(peer: string, replica: DocReplica): Promise<{ sync: PeerSync; rounds: number }> {
    const state = this.#peer(peer)
    let session = state.sessions.get(replica.name)
    if (!session) {
      const saved = await this.#deps.loadSyncState(replica.name, peer)
      session = state.sessions.get(replica.name) ?? { sync: replica.backend.syncWith(saved), rounds: 0 }
      state.sessions.set(replica.name, session)
    }
    return session
  }

  /**
   * (Re)starts a conversation. The session is rebuilt from its saved form,
   * which keeps what both sides are known to share but forgets what we
   * believe we sent: a sync message lost on the way would otherwise leave
   * Automerge sure the peer has it, and silent forever.
   */
  async #startSync(peer: string, replica: DocReplica): Promise<void> {
    const previous = await this.#session(peer, replica)
    const session = { sync: replica.backend.syncWith(previous.sync.save()), rounds: 0 }
    this.#peer(peer).sessions.set(replica.name, session)
    this.#sendSync(peer, replica, session, true)
  }

  #sendSync(
    peer: string,
    replica: DocReplica,
    session: { sync: PeerSync; rounds: number },
    restart = false,
  ): void {
    if (session.rounds >= SYNC_ROUNDS_MAX) return
    const payload = session.sync.generate()
    if (!payload) return
    session.rounds++
    this.#deps.events.emit('metric', 'syncRounds', 1)
    const frame: SyncFrame = {
      type: 'sync',
      doc: replica.name,
      backend: replica.backendName,
      // A receiver that catches up with us takes our vector as held, so we vouch only for what
      // we have integrated: with updates still waiting on their dependencies, we vouch for nothing.
      vector: replica.backend.hasPending() ? {} : replica.vector,
      restart,
      payload,
    }
    this.#deps.send(peer, frame)
  }

  async #onSync(peer: string, frame: SyncFrame): Promise<void> {
    const replica = await this.#deps.replica(frame.doc, frame.backend as BackendName)
    let session = await this.#session(peer, replica)
    if (frame.restart) {
      session = { sync: replica.backend.syncWith(session.sync.save()), rounds: 0 }
      this.#peer(peer).sessions.set(replica.name, session)
    }
    const update = session.sync.receive(frame.payload)
    const receipt = { update, caughtUp: session.sync.caughtUp }
    await replica.applySync(peer, receipt, frame.vector)
    if (receipt.caughtUp && this.#pulls.get(replica.name)?.peer === peer) this.#pulls.delete(replica.name)
    replica.heldUpTo(peer, frame.vector)
    void this.#deps.saveSyncState(replica.name, peer, session.sync.save()).catch(() => undefined)
    this.#sendSync(peer, replica, session)
  }

  async #onUpdates(peer: string, frame: UpdatesFrame): Promise<void> {
    const replica = await this.#deps.replica(frame.doc, frame.backend as BackendName)
    const entries = frame.entries.map(({ seq, update }) => ({ origin: frame.origin, seq, update }))
    const dots = await replica.applyLive(peer, entries)
    if (dots.length > 0) {
      this.#deps.send(peer, {
        type: 'ack',
        doc: frame.doc,
        origin: frame.origin,
        seqs: dots.map((d) => d.seq),
      })
    }
  }

  async #onAck(peer: string, frame: AckFrame): Promise<void> {
    const replica = this.#deps.replicas().find((r) => r.name === frame.doc)
    replica?.heldBy(
      peer,
      frame.seqs.map((seq) => ({ origin: frame.origin, seq })),
    )
  }

  #peer(peer: string): PeerState {
    let state = this.#peers.get(peer)
    if (!state) {
      state = {
        queue: new Map(),
        queuedBytes: 0,
        flushArmed: false,
        needsResync: false,
        sessions: new Map(),
        diverged: false,
        lastVectorsRequestMs: Number.NEGATIVE_INFINITY,
        lastTheirDigest: undefined,
      }
      this.#peers.set(peer, state)
    }
    return state
  }
}

function addCounts(into: Record<string, number>, counts: Record<string, number>): void {
  for (const [origin, n] of Object.entries(counts)) into[origin] = (into[origin] ?? 0) + n
}

export type { VersionVector }
