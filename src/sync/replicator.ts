/**
 * Keeps every document replicated with every connected peer.
 *
 * - Live: a local change, once durable, is queued for each connected peer and
 *   sent in one `updates` frame per peer and document per tick (coalesced).
 * - Catch-up: on connect, and whenever a heartbeat's digest differs from
 *   ours, peers swap per-document vectors; for each document where the peer
 *   holds dots we lack, we pull it with the backend's own sync protocol (Yjs
 *   state vectors, Automerge sync messages), which sends deltas only. A pull
 *   whose peer falls silent is restarted after a timeout tied to the measured
 *   round trip (pulls.ts).
 * - Anti-entropy: content digests in heartbeats, per-document summaries on a
 *   stable mismatch (anti-entropy.ts).
 * - Acks: a peer acknowledges live dots once durable, for `replicas: k`; who
 *   is believed is holder-evidence.ts's call.
 * - A refused send is remembered and sent again on the next tick (send-backlog.ts).
 * - Isolation: work on one document that fails (a backend conflict, bad
 *   bytes, a failed write) is reported as a `failure` naming it, and the
 *   other documents carry on.
 *
 * Per-peer queues are bounded; past the bound the queue is dropped and the
 * peer is resynced from vectors instead, which loses nothing.
 */
import type { BackendName, PeerSync } from '../../crdt/backend.ts'
import type { Dot, VersionVector } from '../../store/store.ts'
import type { DocReplica } from '../docs/doc-replica.ts'
import type { Env, Timer } from '../env/types.ts'
import type { Emitter } from '../events.ts'
import { ContentDigests, mismatches } from './anti-entropy.ts'
import { AntiEntropyPacer } from './anti-entropy-pacer.ts'
import { HolderEvidence } from './holder-evidence.ts'
import { Pulls } from './pulls.ts'
import { RoundTrip } from './round-trip.ts'
import { SendBacklog } from './send-backlog.ts'
import { compare, missing } from './version-vector.ts'
import type { AckFrame, Frame, SummariesFrame, SyncFrame, UpdatesFrame, VectorsFrame } from './wire.ts'

/** Bytes of live updates queued for one peer before we give up and resync it from vectors. */
export const PEER_QUEUE_BYTES_MAX = 8 * 1024 * 1024

/** Resends of one unanswered vectors request: past them, the next stable digest mismatch asks again. */
export const VECTORS_RESENDS_MAX = 3

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

export type ReplicatorMetric =
  | 'syncRounds'
  | 'resyncs'
  | 'sendsRefused'
  | 'resends'
  | 'pullsAbandoned'
  | 'antiEntropyRounds'
  | 'falseClaims'

export type ReplicatorEvents = {
  diverged: (event: {
    peer: string
    missingHere: Record<string, number>
    missingThere: Record<string, number>
  }) => void
  converged: (event: { peer: string }) => void
  metric: (name: ReplicatorMetric, value: number) => void
  /** Work on one document failed; the node tells bad peer input from a conflict or a local fault. */
  failure: (event: { doc: string; peer: string; during: string; error: unknown }) => void
}

interface Session {
  sync: PeerSync
  rounds: number
}

interface PeerState {
  queue: Map<string, UpdatesFrame>
  queuedBytes: number
  flushArmed: boolean
  needsResync: boolean
  sessions: Map<string, Session>
  /** Our digest and theirs last differed: announce `converged` when they match again. */
  diverged: boolean
  lastVectorsRequestMs: number
  /** When our outstanding vectors request went out (NaN: several, so no sample; Karn's rule). */
  vectorsAskedMs: number | undefined
  /** Resends of the outstanding vectors request, and the timer of the next. */
  vectorsResends: number
  vectorsTimer: Timer | undefined
  /** The digest in the peer's last heartbeat. */
  lastTheirDigest: number | undefined
  backlog: SendBacklog
  retrying: boolean
}

/** Round-trip estimates kept per peer across reconnects (a partition drops the connection, not the path): as many as members. */
export const RTT_PEERS_MAX = 1024

export class Replicator {
  readonly #deps: ReplicatorDeps
  readonly #peers = new Map<string, PeerState>()
  readonly #pulls: Pulls
  readonly #evidence = new HolderEvidence()
  readonly #content = new ContentDigests()
  readonly #pacer: AntiEntropyPacer
  readonly #rtts = new Map<string, RoundTrip>()

  constructor(deps: ReplicatorDeps) {
    this.#deps = deps
    this.#pulls = new Pulls({
      env: deps.env,
      timeoutMs: (peer, attempt) => this.#rtt(peer).timeoutMs(attempt),
      resend: (doc, peer) => {
        this.#metric('resends', 1)
        const replica = this.#loaded(doc)
        if (replica) void this.#guard(doc, peer, 'resend', () => this.#startSync(peer, replica))
        else this.#pulls.done(doc, peer)
      },
      abandoned: () => this.#metric('pullsAbandoned', 1),
      sample: (peer, ms) => this.#rtt(peer).sample(ms),
    })
    this.#pacer = new AntiEntropyPacer(deps.self, deps.env)
  }

  connected(peer: string): void {
    this.#evidence.reconnected(peer)
    this.#peer(peer)
    this.requestVectors(peer, true)
  }

  disconnected(peer: string): void {
    this.#peers.get(peer)?.vectorsTimer?.cancel()
    this.#peers.delete(peer) // sessions restart from saved sync state on reconnect
    this.#pulls.dropPeer(peer)
    this.#pacer.forget(peer)
  }

  /** Stops every timer (the node stops). */
  stop(): void {
    this.#pulls.clear()
    for (const state of this.#peers.values()) state.vectorsTimer?.cancel()
  }

  /** Periodic work, on every heartbeat tick: send again what links refused. */
  tick(): void {
    const live = new Set(this.#deps.connected())
    for (const [peer, state] of this.#peers) {
      // State made for a peer after it left (a frame still being applied) goes: nothing to retry.
      if (!live.has(peer)) {
        this.#peers.delete(peer)
        continue
      }
      if (state.backlog.empty || state.retrying) continue
      state.retrying = true
      void state.backlog
        .retry({
          vectors: () => this.#sendVectors(peer, false),
          ack: (ack) => this.#deps.send(peer, { type: 'ack', ...ack }),
          syncStart: (doc) => this.#retryStart(peer, doc),
        })
        .finally(() => {
          state.retrying = false
        })
    }
  }

  /** The smoothed round trip to `peer` in ms, once measured. */
  rttMs(peer: string): number | undefined {
    return this.#rtts.get(peer)?.srttMs
  }

  /** What keeps replication unsettled, as short reasons (see AgentNode.pendingWork). */
  pendingWork(): string[] {
    const reasons = this.#pulls.describe()
    const live = new Set(this.#deps.connected())
    for (const [peer, state] of this.#peers) {
      if (!live.has(peer)) continue
      if (state.queue.size > 0 || state.flushArmed) reasons.push(`live updates queued for ${peer}`)
      reasons.push(...state.backlog.describe(peer))
    }
    return reasons
  }

  /** The content digest this node's heartbeats carry. */
  contentDigest(): number {
    return this.#content.digest(this.#deps.replicas())
  }

  /** Asks `peer` for its vectors (rate-limited to one request per `minIntervalMs` unless forced). */
  requestVectors(peer: string, force = false, minIntervalMs = 0): void {
    const state = this.#peer(peer)
    const now = this.#deps.env.clock.now()
    if (!force && now - state.lastVectorsRequestMs < minIntervalMs) return
    state.lastVectorsRequestMs = now
    if (!this.#sendVectors(peer, false)) state.backlog.owesVectors()
  }

  /** A heartbeat's digests: equal vector digests mean nothing to pull; content digests drive anti-entropy. */
  heartbeatSeen(
    peer: string,
    digests: { vectors: number; content: number },
    ours: number,
    minIntervalMs: number,
  ): void {
    this.#digestSeen(peer, digests.vectors, ours, minIntervalMs)
    const content = this.contentDigest()
    const busy = this.#pulls.busyWith(peer)
    if (this.#pacer.due(peer, digests.content, content, busy, digests.vectors === ours))
      this.#sendSummaries(peer)
  }

  #digestSeen(peer: string, theirs: number, ours: number, minIntervalMs: number): void {
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

  #sendSummaries(peer: string): void {
    this.#metric('antiEntropyRounds', 1)
    for (const frame of this.#content.frames(this.#deps.replicas())) {
      if (!this.#deps.send(peer, frame)) {
        this.#metric('sendsRefused', 1) // the next round sends them all again
        return
      }
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
        this.#metric('resyncs', 1)
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
      for (const frame of state.queue.values()) {
        if (this.#deps.send(peer, frame)) {
          this.#evidence.sentLive(
            peer,
            frame.doc,
            frame.entries.map((e) => e.seq),
          )
        } else {
          // Not kept as bytes: a vectors exchange makes the peer pull what it lacks.
          this.#metric('sendsRefused', 1)
          state.backlog.owesVectors()
        }
      }
      state.queue.clear()
      state.queuedBytes = 0
    })
  }

  /** Handles a replication frame from `peer`. Work on one document that fails is reported, never thrown. */
  async onFrame(peer: string, frame: Frame): Promise<void> {
    switch (frame.type) {
      case 'vectors':
        return this.#onVectors(peer, frame)
      case 'sync':
        return this.#guard(frame.doc, peer, 'sync', () => this.#onSync(peer, frame))
      case 'updates':
        return this.#guard(frame.doc, peer, 'updates', () => this.#onUpdates(peer, frame))
      case 'ack':
        return this.#onAck(peer, frame)
      case 'summaries':
        return this.#onSummaries(peer, frame)
      default:
        return
    }
  }

  /** Runs one document's work; a failure is reported on that document and goes no further. */
  async #guard(doc: string, peer: string, during: string, work: () => Promise<unknown>): Promise<void> {
    try {
      await work()
    } catch (error) {
      this.#deps.events.emit('failure', { doc, peer, during, error })
    }
  }

  #sendVectors(peer: string, reply: boolean): boolean {
    const docs = this.#deps
      .replicas()
      .map((r) => ({ name: r.name, backend: r.backendName, vector: r.vector }))
    const sent = this.#deps.send(peer, { type: 'vectors', reply, docs })
    if (!sent) this.#metric('sendsRefused', 1)
    else if (!reply) this.#awaitVectors(peer, this.#peer(peer))
    return sent
  }

  /**
   * A vectors request went out: if no reply comes within the round-trip
   * timeout, ask again (a lost request or reply would otherwise wait for the
   * next stable digest mismatch), up to VECTORS_RESENDS_MAX times, backing off.
   */
  #awaitVectors(peer: string, state: PeerState): void {
    const resend = state.vectorsAskedMs !== undefined
    state.vectorsAskedMs = resend ? Number.NaN : this.#deps.env.clock.now() // Karn: no sample from a resent request
    state.vectorsTimer?.cancel()
    if (resend && state.vectorsResends >= VECTORS_RESENDS_MAX) return
    const attempt = resend ? state.vectorsResends : 0
    state.vectorsTimer = this.#deps.env.clock.setTimer(this.#rtt(peer).timeoutMs(attempt), () => {
      if (this.#peers.get(peer) !== state || state.vectorsAskedMs === undefined) return
      state.vectorsResends++
      this.#metric('resends', 1)
      if (!this.#sendVectors(peer, false)) state.backlog.owesVectors()
    })
  }

  async #onVectors(peer: string, frame: VectorsFrame): Promise<void> {
    const state = this.#peer(peer)
    if (!frame.reply) {
      if (!this.#sendVectors(peer, true)) state.backlog.owesVectors()
    } else if (state.vectorsAskedMs !== undefined) {
      if (Number.isFinite(state.vectorsAskedMs))
        this.#rtt(peer).sample(this.#deps.env.clock.now() - state.vectorsAskedMs)
      state.vectorsAskedMs = undefined
      state.vectorsResends = 0
      state.vectorsTimer?.cancel()
    }
    const missingHere: Record<string, number> = {}
    const missingThere: Record<string, number> = {}
    const theirs = new Set(frame.docs.map((d) => d.name))
    for (const d of frame.docs) {
      await this.#guard(d.name, peer, 'vectors', async () => {
        const replica = await this.#deps.replica(d.name, d.backend as BackendName)
        this.#heldFromVector(peer, replica, d.vector)
        addCounts(missingHere, missing(replica.vector, d.vector))
        addCounts(missingThere, missing(d.vector, replica.vector))
        // Pull: we start the library's sync only where the peer holds dots we lack.
        const order = compare(replica.vector, d.vector)
        if (order === 'before' || order === 'concurrent') await this.#pull(peer, replica)
      })
    }
    for (const r of this.#deps.replicas()) {
      if (!theirs.has(r.name)) addCounts(missingThere, missing({}, r.vector))
    }
    if (Object.keys(missingHere).length > 0 && Object.keys(missingThere).length > 0 && !state.diverged) {
      state.diverged = true
      this.#deps.events.emit('diverged', { peer, missingHere, missingThere })
    }
  }

  async #onSummaries(peer: string, frame: SummariesFrame): Promise<void> {
    const differing = mismatches(frame, this.#deps.replicas(), (s) => this.#content.hashOf(s))
    for (const [name, backend] of differing) {
      await this.#guard(name, peer, 'summaries', async () => {
        await this.#pull(peer, await this.#deps.replica(name, backend as BackendName))
      })
    }
  }

  /**
   * What `peer`'s vector for `replica` says about my own dots: seqs above
   * what I hold mean a liar, or state I lost (then I must not issue those
   * seqs again); the rest count toward `replicas: k` only as far as
   * holder-evidence.ts believes it.
   */
  #heldFromVector(peer: string, replica: DocReplica, vector: VersionVector): void {
    const self = this.#deps.self
    const claimed = vector[self] ?? 0
    if (claimed === 0) return
    const issued = replica.vector[self] ?? 0
    if (claimed > issued) {
      this.#metric('falseClaims', 1)
      // Honest peers hold no seq of mine I did not issue, unless I lost state: never issue those again.
      replica.observeOwnSeq(claimed)
    }
    const upTo = this.#evidence.vectorClaim(peer, replica.name, claimed, issued)
    if (upTo > 0) replica.heldUpTo(peer, { [self]: upTo })
  }

  /** Pulls `replica` from `peer`, unless a pull of it is under way already. */
  async #pull(peer: string, replica: DocReplica): Promise<void> {
    if (!this.#pulls.claim(replica.name, peer)) return
    await this.#startSync(peer, replica)
  }

  /** A sync start the link refused, sent again: only if the pull is still ours or free. */
  async #retryStart(peer: string, doc: string): Promise<boolean> {
    const replica = this.#loaded(doc)
    if (!replica) return true
    const holder = this.#pulls.peerOf(doc)
    if (holder !== peer && (holder !== undefined || !this.#pulls.claim(doc, peer))) return true
    let refused = false
    await this.#guard(doc, peer, 'resend', async () => {
      refused = (await this.#startSync(peer, replica)) === 'refused'
    })
    return !refused
  }

  async #session(peer: string, replica: DocReplica): Promise<Session> {
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
  async #startSync(peer: string, replica: DocReplica): Promise<'sent' | 'refused' | 'silent'> {
    const previous = await this.#session(peer, replica)
    const session = { sync: replica.backend.syncWith(previous.sync.save()), rounds: 0 }
    this.#peer(peer).sessions.set(replica.name, session)
    const outcome = this.#sendSync(peer, replica, session, true)
    if (outcome === 'sent') this.#pulls.sent(replica.name)
    else if (outcome === 'silent') this.#pulls.done(replica.name, peer)
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
    this.#metric('syncRounds', 1)
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
      this.#evidence.sentSync(peer, replica.name, vector[this.#deps.self] ?? 0)
      return 'sent'
    }
    // The conversation lost a message: it restarts once the link takes frames again.
    this.#metric('sendsRefused', 1)
    this.#livePeer(peer)?.backlog.owesSyncStart(replica.name)
    if (this.#pulls.peerOf(replica.name) === peer) this.#pulls.parked(replica.name)
    return 'refused'
  }

  async #onSync(peer: string, frame: SyncFrame): Promise<void> {
    const replica = await this.#deps.replica(frame.doc, frame.backend as BackendName)
    this.#pulls.progress(replica.name, peer)
    let session = await this.#session(peer, replica)
    if (frame.restart) {
      session = { sync: replica.backend.syncWith(session.sync.save()), rounds: 0 }
      this.#peer(peer).sessions.set(replica.name, session)
    }
    const update = session.sync.receive(frame.payload)
    const receipt = { update, caughtUp: session.sync.caughtUp }
    await replica.applySync(peer, receipt, frame.vector)
    if (receipt.caughtUp) this.#pulls.done(replica.name, peer)
    this.#heldFromVector(peer, replica, frame.vector)
    // Not awaited (the next message need not wait for it), but a failure is reported, not swallowed.
    this.#deps.saveSyncState(replica.name, peer, session.sync.save()).catch((error: unknown) => {
      this.#deps.events.emit('failure', { doc: replica.name, peer, during: 'save sync state', error })
    })
    this.#sendSync(peer, replica, session)
  }

  async #onUpdates(peer: string, frame: UpdatesFrame): Promise<void> {
    const replica = await this.#deps.replica(frame.doc, frame.backend as BackendName)
    const entries = frame.entries.map(({ seq, update }) => ({ origin: frame.origin, seq, update }))
    const dots = await replica.applyLive(peer, entries)
    if (dots.length === 0) return
    const ack: AckFrame = { type: 'ack', doc: frame.doc, origin: frame.origin, seqs: dots.map((d) => d.seq) }
    if (!this.#deps.send(peer, ack)) {
      this.#metric('sendsRefused', 1)
      this.#livePeer(peer)?.backlog.owesAck(ack)
    }
  }

  async #onAck(peer: string, frame: AckFrame): Promise<void> {
    if (frame.origin !== this.#deps.self) return // I push only my own dots, so acks name only mine
    const replica = this.#loaded(frame.doc)
    if (!replica) return
    const issued = replica.vector[this.#deps.self] ?? 0
    if (frame.seqs.some((seq) => seq > issued)) this.#metric('falseClaims', 1)
    const seqs = this.#evidence.acked(peer, frame.doc, frame.seqs, issued)
    replica.heldBy(
      peer,
      seqs.map((seq) => ({ origin: frame.origin, seq })),
    )
  }

  #loaded(doc: string): DocReplica | undefined {
    return this.#deps.replicas().find((r) => r.name === doc)
  }

  #metric(name: ReplicatorMetric, value: number): void {
    this.#deps.events.emit('metric', name, value)
  }

  #rtt(peer: string): RoundTrip {
    let rtt = this.#rtts.get(peer)
    if (!rtt) {
      if (this.#rtts.size >= RTT_PEERS_MAX) this.#rtts.delete(this.#rtts.keys().next().value as string)
      rtt = new RoundTrip()
      this.#rtts.set(peer, rtt)
    }
    return rtt
  }

  /** The state of a connected peer (none for one that left: nothing is kept for it). */
  #livePeer(peer: string): PeerState | undefined {
    if (this.#peers.has(peer) || this.#deps.connected().includes(peer)) return this.#peer(peer)
    return undefined
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
        vectorsAskedMs: undefined,
        vectorsResends: 0,
        vectorsTimer: undefined,
        lastTheirDigest: undefined,
        backlog: new SendBacklog(),
        retrying: false,
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
