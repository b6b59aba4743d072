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
 *   round trip (pulls.ts, round-trip.ts). Every peer's vector is remembered
 *   (pull-targets.ts): a pull that ends with the document still behind one
 *   is followed at once by a pull from a peer known to hold more.
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
import type { BackendName } from '../../crdt/backend.ts'
import type { Dot, VersionVector } from '../../store/store.ts'
import type { DocReplica } from '../docs/doc-replica.ts'
import type { Env } from '../env/types.ts'
import type { Emitter } from '../events.ts'
import { ContentDigests, mismatches } from './anti-entropy.ts'
import { AntiEntropyPacer } from './anti-entropy-pacer.ts'
import { HolderCounting, HolderEvidence } from './holder-evidence.ts'
import { PeerStates } from './peer-states.ts'
import { PullTargets } from './pull-targets.ts'
import { Pulls } from './pulls.ts'
import type { ReplicatorEvents, ReplicatorMetric } from './replicator-events.ts'
import { RoundTrips } from './round-trip.ts'
import { SyncConversations } from './sync-conversations.ts'
import { compare, missing } from './version-vector.ts'
import type { AckFrame, Frame, SummariesFrame, UpdatesFrame, VectorsFrame } from './wire.ts'

export { PEER_QUEUE_BYTES_MAX } from './live-queue.ts'
export { SYNC_ROUNDS_MAX } from './sync-conversations.ts'
export { VECTORS_RESENDS_MAX } from './vectors-request.ts'

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

export type { ReplicatorEvents, ReplicatorMetric } from './replicator-events.ts'

export { RTT_PEERS_MAX } from './round-trip.ts'

export class Replicator {
  readonly #deps: ReplicatorDeps
  readonly #peers: PeerStates
  readonly #pulls: Pulls
  readonly #evidence = new HolderEvidence()
  readonly #holders: HolderCounting
  readonly #content = new ContentDigests()
  readonly #pacer: AntiEntropyPacer
  readonly #rtts = new RoundTrips()
  readonly #targets = new PullTargets({
    pulls: () => this.#pulls,
    loaded: (doc) => this.#loaded(doc),
    connected: () => this.#deps.connected(),
    pull: (peer, replica, target) =>
      void this.#guard(replica.name, peer, 'pull', () => this.#conversations.pull(peer, replica, target)),
  })
  readonly #conversations: SyncConversations

  constructor(deps: ReplicatorDeps) {
    this.#deps = deps
    this.#pulls = new Pulls({
      env: deps.env,
      timeoutMs: (peer, attempt) => this.#rtts.timeoutMs(peer, attempt),
      resend: (doc, peer) => {
        this.#metric('resends', 1)
        const replica = this.#loaded(doc)
        if (replica) void this.#guard(doc, peer, 'resend', () => this.#conversations.startSync(peer, replica))
        else this.#pulls.done(doc, peer)
      },
      ended: (doc, peer, how) => {
        if (how === 'abandoned') this.#metric('pullsAbandoned', 1)
        this.#targets.ended(doc, peer, how)
      },
      sample: (peer, ms) => this.#rtts.sample(peer, ms),
    })
    this.#peers = new PeerStates({
      env: deps.env,
      send: (peer, frame) => deps.send(peer, frame),
      connected: () => deps.connected(),
      sentLive: (peer, doc, seqs) => this.#evidence.sentLive(peer, doc, seqs),
      metric: (name, value) => this.#metric(name, value),
      resync: (peer) => this.requestVectors(peer, true),
      resendVectors: (peer) => this.#sendVectors(peer, false),
      timeoutMs: (peer, attempt) => this.#rtts.timeoutMs(peer, attempt),
      sample: (peer, rttMs) => {
        const first = !this.#rtts.measured(peer)
        this.#rtts.sample(peer, rttMs)
        if (first) this.#pulls.measured(peer) // pulls armed before any sample: re-armed to it
      },
    })
    this.#pacer = new AntiEntropyPacer(deps.self, deps.env)
    this.#holders = new HolderCounting(deps.self, this.#evidence, {
      loaded: (doc) => this.#loaded(doc),
      falseClaim: () => this.#metric('falseClaims', 1),
    })
    this.#conversations = new SyncConversations({
      self: deps.self,
      send: (peer, frame) => deps.send(peer, frame),
      replica: (name, backend) => deps.replica(name, backend),
      loaded: (name) => this.#loaded(name),
      loadSyncState: (doc, peer) => deps.loadSyncState(doc, peer),
      saveSyncState: (doc, peer, state) => deps.saveSyncState(doc, peer, state),
      pulls: this.#pulls,
      evidence: this.#evidence,
      owesSyncStart: (peer, doc) => this.#peers.live(peer)?.backlog.owesSyncStart(doc),
      heldFromVector: (peer, replica, vector) => this.#holders.vector(peer, replica, vector),
      synced: (peer, replica, vector) => {
        this.#targets.remember(peer, replica.name, vector, replica.vector)
        this.#targets.settle(replica)
      },
      guard: (doc, peer, during, work) => this.#guard(doc, peer, during, work),
      metric: (name, value) => this.#metric(name, value),
      failure: (event) => deps.events.emit('failure', event),
    })
  }

  connected(peer: string): void {
    this.#evidence.reconnected(peer)
    this.#peers.get(peer)
    this.requestVectors(peer, true)
  }

  disconnected(peer: string): void {
    this.#peers.drop(peer) // sessions restart from saved sync state on reconnect
    this.#targets.forgetPeer(peer)
    this.#pulls.dropPeer(peer)
    this.#conversations.dropPeer(peer)
    this.#pacer.forget(peer)
  }

  /** Stops every timer (the node stops). */
  stop(): void {
    this.#pulls.clear()
    this.#peers.cancelAll()
  }

  /** Periodic work, on every heartbeat tick: send again what links refused. */
  tick(): void {
    // State made for a peer after it left (a frame still being applied) goes: nothing to retry.
    for (const [peer, state] of this.#peers.pruned()) {
      if (state.backlog.empty || state.retrying) continue
      state.retrying = true
      void state.backlog
        .retry({
          vectors: () => this.#sendVectors(peer, false),
          ack: (ack) => this.#deps.send(peer, { type: 'ack', ...ack }),
          syncStart: (doc) => this.#conversations.retryStart(peer, doc),
        })
        .catch((error: unknown) => this.#deps.events.emit('failure', { peer, during: 'resend', error }))
        .finally(() => {
          state.retrying = false
        })
    }
  }

  /** The smoothed round trip to `peer` in ms, once measured. */
  rttMs(peer: string): number | undefined {
    return this.#rtts.srttMs(peer)
  }

  /** What keeps replication unsettled, as short reasons (see AgentNode.pendingWork). */
  pendingWork(): string[] {
    const reasons = this.#pulls.describe()
    for (const [peer, state] of this.#peers.connected()) {
      if (state.live.busy) reasons.push(`live updates queued for ${peer}`)
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
    const state = this.#peers.get(peer)
    const now = this.#deps.env.clock.now()
    if (!force && now - state.vectors.lastRequestMs < minIntervalMs) return
    state.vectors.lastRequestMs = now
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
    const state = this.#peers.get(peer)
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
    for (const peer of this.#deps.connected()) this.#peers.get(peer).live.add(replica, dot, update)
  }

  /** Handles a replication frame from `peer`. Work on one document that fails is reported, never thrown. */
  async onFrame(peer: string, frame: Frame): Promise<void> {
    switch (frame.type) {
      case 'vectors':
        return this.#onVectors(peer, frame)
      case 'sync':
        return this.#guard(frame.doc, peer, 'sync', () => this.#conversations.onSync(peer, frame))
      case 'updates':
        return this.#guard(frame.doc, peer, 'updates', () => this.#onUpdates(peer, frame))
      case 'ack':
        return this.#holders.ack(peer, frame)
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
    else if (!reply) this.#peers.get(peer).vectors.sent()
    return sent
  }

  async #onVectors(peer: string, frame: VectorsFrame): Promise<void> {
    const state = this.#peers.get(peer)
    if (!frame.reply) {
      if (!this.#sendVectors(peer, true)) state.backlog.owesVectors()
    } else state.vectors.answered()
    const missingHere: Record<string, number> = {}
    const missingThere: Record<string, number> = {}
    const theirs = new Set(frame.docs.map((d) => d.name))
    for (const d of frame.docs) {
      await this.#guard(d.name, peer, 'vectors', async () => {
        const replica = await this.#deps.replica(d.name, d.backend as BackendName)
        this.#holders.vector(peer, replica, d.vector)
        this.#targets.remember(peer, d.name, d.vector, replica.vector)
        addCounts(missingHere, missing(replica.vector, d.vector))
        addCounts(missingThere, missing(d.vector, replica.vector))
        // Pull: we start the library's sync only where the peer holds dots we lack.
        const order = compare(replica.vector, d.vector)
        if (order === 'before' || order === 'concurrent')
          await this.#conversations.pull(peer, replica, d.vector)
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
        await this.#conversations.pull(peer, await this.#deps.replica(name, backend as BackendName))
      })
    }
  }

  async #onUpdates(peer: string, frame: UpdatesFrame): Promise<void> {
    const replica = await this.#deps.replica(frame.doc, frame.backend as BackendName)
    const entries = frame.entries.map(({ seq, update }) => ({ origin: frame.origin, seq, update }))
    const dots = await replica.applyLive(peer, entries)
    if (dots.length === 0) return
    this.#targets.settle(replica)
    const ack: AckFrame = { type: 'ack', doc: frame.doc, origin: frame.origin, seqs: dots.map((d) => d.seq) }
    if (!this.#deps.send(peer, ack)) {
      this.#metric('sendsRefused', 1)
      this.#peers.live(peer)?.backlog.owesAck(ack)
    }
  }

  #loaded(doc: string): DocReplica | undefined {
    return this.#deps.replicas().find((r) => r.name === doc)
  }

  #metric(name: ReplicatorMetric, value: number): void {
    this.#deps.events.emit('metric', name, value)
  }
}

function addCounts(into: Record<string, number>, counts: Record<string, number>): void {
  for (const [origin, n] of Object.entries(counts)) into[origin] = (into[origin] ?? 0) + n
}

export type { VersionVector }
