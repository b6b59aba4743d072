/**
 * The node: a facade that wires membership, documents and replication to the
 * injected Env, Transport and Store. It holds the control flow (start, frame
 * dispatch, heartbeat ticks, stop); the subsystems hold the logic.
 */
import type * as Y from 'yjs'
import type { BackendName } from '../../crdt/backend.ts'
import type { OpenReport, Store, VersionVector } from '../../store/store.ts'
import type { Transport } from '../../transport/transport.ts'
import type { DocHandle } from '../docs/doc-handle.ts'
import { type BackendFactory, DocRegistry } from '../docs/doc-registry.ts'
import type { DocDamage } from '../docs/restore-claims.ts'
import type { Env, Timer } from '../env/types.ts'
import { IdentityCorruptError, NodeStoppedError } from '../errors.ts'
import { Emitter } from '../events.ts'
import { decodeMembership, encodeKnownMembers } from '../membership/known-members.ts'
import { MemberDialer } from '../membership/member-dialer.ts'
import type { ClusterView, MemberView } from '../membership/membership.ts'
import { Membership } from '../membership/membership.ts'
import { Replicator, type ReplicatorEvents } from '../sync/replicator.ts'
import { BOARD_DOC } from '../work/task-board.ts'
import type { Tasks } from '../work/tasks.ts'
import type { TaskInfo } from '../work/types.ts'
import { WorkLayer } from '../work/work-layer.ts'
import { type Degradation, type DegradationLevel, DegradationState, type NodeView } from './degradation.ts'
import { nodeVector, VectorsDigestCache } from './digest.ts'
import { type NodeErrorEvent, reportFailure } from './failures.ts'
import { FrameLink } from './frame-link.ts'
import { encodeFrame, type Frame, type HeartbeatFrame } from './frames.ts'
import { type MetricsSource, NodeMetrics } from './metrics.ts'
import type { ResolvedOptions } from './options.ts'

export type NodeEvents = {
  member: (view: MemberView) => void
  partition: (view: ClusterView) => void
  heal: (view: ClusterView) => void
  diverged: ReplicatorEvents['diverged']
  converged: ReplicatorEvents['converged']
  /**
   * The store held less than the node had made durable: records skipped as
   * corrupt when it opened, and per document what is missing (those
   * documents' claims are withdrawn and their content fetched from peers).
   */
  corrupt: (report: StoreDamageReport) => void
  /**
   * Something failed here that no caller's promise reports: a document that
   * cannot be reconciled (one name, two backends), a store write outside a
   * change (members, sync state), a heartbeat that threw. Bad input from a
   * peer is not an error here: it is dropped and counted (metrics).
   */
  error: (event: NodeErrorEvent) => void
  /** The degradation level or its reasons changed (DESIGN.md §4; src/node/degradation.ts). */
  degradation: (degradation: Degradation) => void
  /** A task's derived state changed, by a local write or one from a peer (issue 10, src/work). */
  task: (task: TaskInfo) => void
}

/** What `corrupt` reports: the store's skipped records, and the documents that lost content. */
export interface StoreDamageReport extends OpenReport {
  documents: DocDamage[]
}

const MEMBERS_META = 'members'
const IDENTITY_META = 'identity'
/**
 * The store's key of a metadata record, as its OpenReport names a corrupt one
 * (store/keys.ts; src/ sees the store only through its interface).
 */
const metaRecordKey = (name: string) => `meta!${name}`
const syncStateKey = (doc: string, peer: string) => `sync/${doc}/${peer}`

export class AgentNode {
  readonly #env: Env
  readonly #transport: Transport
  readonly #store: Store
  readonly #options: ResolvedOptions
  readonly #createBackend: BackendFactory
  readonly #events: Emitter<NodeEvents>
  readonly metricsState: NodeMetrics
  /** Membership feeds it on every tick; task breakers feed it with `breaker(kind, open)` (issue 9). */
  readonly degradationState: DegradationState
  #id: string | undefined
  #docs: DocRegistry | undefined
  #membership: Membership | undefined
  #dialer: MemberDialer | undefined
  #replicator: Replicator | undefined
  #heartbeatTimer: Timer | undefined
  #heartbeatSeq = 0
  #running = false
  /** Frames in and out; what arrives while the node starts is kept and replayed. */
  readonly #link: FrameLink
  /** Documents found damaged while loading (reported once start() has loaded them all). */
  #damage: DocDamage[] = []
  readonly #digestCache = new VectorsDigestCache()
  /** The task board, node.tasks and the runner (issue 10, src/work); opened in #wire. */
  #work: WorkLayer | undefined

  constructor(init: {
    env: Env
    transport: Transport
    store: Store
    options: ResolvedOptions
    createBackend: BackendFactory
  }) {
    this.#env = init.env
    this.#transport = init.transport
    this.#store = init.store
    this.#options = init.options
    this.#createBackend = init.createBackend
    this.#events = new Emitter(init.env.log)
    this.degradationState = new DegradationState((d) => this.#events.emit('degradation', d))
    this.metricsState = new NodeMetrics(
      () => this.#metricsSource(),
      () => this.#docs?.loaded() ?? [],
    )
    this.#link = new FrameLink({
      env: init.env,
      transport: init.transport,
      metrics: this.metricsState,
      running: () => this.#running,
      heartbeat: (from, frame) => this.#onHeartbeat(from, frame),
      frame: (from, frame) => this.#onReplicationFrame(from, frame),
      connect: (peer) => this.#onConnect(peer),
      disconnect: (peer) => this.#onDisconnect(peer),
    })
  }

  /** The node's clock, random and log (virtual in the simulator): what `policy(node.env)` runs on. */
  get env(): Env {
    return this.#env
  }

  /** Stable across restarts: derived from the identity kept in the store. */
  get id(): string {
    if (this.#id === undefined) throw new NodeStoppedError('the node has not started')
    return this.#id
  }

  async start(): Promise<void> {
    if (this.#running) return
    const report = await this.#store.open()
    this.#damage = []
    // A corrupt identity record reads as absent: the transport would mint a new id.
    const identityCorrupt = report.corrupt.some((r) => r.key === metaRecordKey(IDENTITY_META))
    this.#link.starting()
    try {
      const { id } = await this.#transport.start({
        env: this.#env,
        identity: {
          load: async () => {
            if (identityCorrupt)
              throw new IdentityCorruptError(
                'the stored node identity is corrupt; refusing to start with a new id',
              )
            return this.#store.getMeta(IDENTITY_META)
          },
          save: (bytes) => this.#store.putMeta(IDENTITY_META, bytes),
        },
        events: this.#link.events,
      })
      this.#id = id
      await this.#wire(id)
      this.#reportDamage(report)
    } catch (error) {
      // Found over real libp2p (a listen port in use): a start that fails must not keep the
      // store open, or its lock refuses every retry in this process (StoreLockedError).
      // Their own failures are logged, not thrown: the caller must see why the start failed.
      const cleanupFailed = (what: string) => (cleanup: unknown) =>
        this.#env.log.log('warn', `after a failed start, ${what} failed too`, { error: String(cleanup) })
      await this.#transport.stop().catch(cleanupFailed('stopping the transport'))
      await this.#store.close().catch(cleanupFailed('closing the store'))
      throw error
    }
    this.#running = true
    this.#link.started()
    this.#armHeartbeat()
    this.#work?.start()
  }

  #onDisconnect(peer: string): void {
    this.#replicator?.disconnected(peer)
  }

  /** Tells a failure no promise carries (failures.ts). */
  #failure(failure: { during: string; doc?: string; peer?: string; error: unknown }): void {
    reportFailure(
      {
        dropped: (reason) => this.metricsState.dropped(reason),
        count: (name, value) => this.metricsState.count(name, value),
        log: this.#env.log,
        emit: (event) => this.#events.emit('error', event),
      },
      failure,
    )
  }

  /** Persists the membership; a failed write is reported (the next change writes it again). */
  #saveMembers(): void {
    const membership = this.#membership
    if (!membership) return
    const bytes = encodeKnownMembers(membership.known(), membership.forgotten())
    this.#store
      .putMeta(MEMBERS_META, bytes)
      .catch((error: unknown) => this.#failure({ during: 'save members', error }))
  }

  /**
   * Removes a member that will not come back (a replaced node): its majority
   * vote goes with it, it is remembered as forgotten (persisted), and gossip
   * never brings it back.
   */
  forget(id: string): void {
    if (!this.#membership) throw new NodeStoppedError('the node has not started')
    this.#membership.forget(id)
  }

  /** Once the documents are loaded: what the store lost, in one event and one log line. */
  #reportDamage(report: OpenReport): void {
    if (report.corrupt.length === 0 && this.#damage.length === 0 && !report.salvaged) return
    // Every record the store skipped (documents' and metadata), and what LevelDB's salvage dropped;
    // entries it read but the backend could not count in onDamage.
    this.metricsState.count(
      'storeRecordsLost',
      report.corrupt.length + (report.salvaged?.recordsDropped ?? 0),
    )
    this.#env.log.log('warn', 'store skipped corrupt records', {
      count: report.corrupt.length,
      documents: this.#damage.map((d) => d.doc),
    })
    this.#events.emit('corrupt', { ...report, documents: [...this.#damage] })
  }

  async #wire(id: string): Promise<void> {
    const env = this.#env
    const { members: known, forgotten } = decodeMembership(await this.#store.getMeta(MEMBERS_META))
    this.#membership = new Membership(
      id,
      env,
      this.#options,
      {
        member: (view) => {
          if (view.status !== 'alive') this.metricsState.suspicions++
          this.#events.emit('member', view)
        },
        partition: (view) => {
          this.#events.emit('partition', view)
          this.#feedDegradation()
        },
        heal: (view) => {
          this.#events.emit('heal', view)
          this.#feedDegradation()
        },
        // Deferred a microtask: the first call comes from inside the constructor, before #membership is set.
        membersChanged: () => queueMicrotask(() => this.#saveMembers()),
      },
      [...this.#options.members.map((id) => ({ id, addresses: [] })), ...known],
      forgotten,
    )
    this.#dialer = new MemberDialer(env, this.#transport)
    const replicatorEvents = new Emitter<ReplicatorEvents>(env.log)
    replicatorEvents.on('diverged', (e) => {
      this.metricsState.diverged(e.peer, e, env.clock.now())
      this.#events.emit('diverged', e)
    })
    replicatorEvents.on('converged', (e) => {
      this.metricsState.converged(e.peer)
      this.#events.emit('converged', e)
    })
    replicatorEvents.on('metric', (name, value) => this.metricsState.count(name, value))
    replicatorEvents.on('failure', (failure) => this.#failure(failure))
    this.#docs = new DocRegistry({
      env,
      store: this.#store,
      self: id,
      createBackend: this.#createBackend,
      hooks: {
        localDurable: (replica, dot, update) => this.#replicator?.localDurable(replica, dot, update),
        changed: (replica, origin) => this.#docs?.emitter(replica.name).emit('change', { origin }),
        storeFailed: (replica, error) => {
          this.metricsState.count('storeWriteFailures', 1)
          env.log.log('error', 'store write failed; retrying in order', {
            doc: replica.name,
            error: String(error),
          })
        },
      },
      onDamage: (damage) => {
        this.metricsState.count('storeRecordsLost', damage.unreadableEntries)
        this.#damage.push(damage)
        env.log.log(
          'warn',
          'document loaded with less than was durable; claims withdrawn, fetching from peers',
          {
            ...damage,
          },
        )
      },
    })
    await this.#docs.loadAll()
    const docs = this.#docs
    this.#replicator = new Replicator({
      self: id,
      env,
      send: (peer, frame) => this.#link.send(peer, frame),
      connected: () => this.#transport.connected(),
      replica: (name, backend) => docs.replica(name, backend),
      replicas: () => docs.loaded(),
      loadSyncState: (doc, peer) => this.#store.getMeta(syncStateKey(doc, peer)),
      saveSyncState: (doc, peer, state) => this.#store.putMeta(syncStateKey(doc, peer), state),
      events: replicatorEvents,
    })
    // --- issue 10 (work): the board is a document of the node's own, opened once the others are loaded ---
    this.#work = new WorkLayer({
      env,
      self: id,
      openBoard: async () => (await docs.handle(BOARD_DOC, 'yjs')) as DocHandle<Y.Doc>,
      boardStored: docs.loaded().some((replica) => replica.name === BOARD_DOC),
      onBoardChange: (listener) => docs.emitter(BOARD_DOC).on('change', listener),
      options: this.#options,
      node: this,
      view: () => this.view(),
      emitTask: (task) => this.#events.emit('task', task),
      onViewChange: (listener) => [
        this.on('member', listener),
        this.on('partition', listener),
        this.on('heal', listener),
      ],
      tickMs: this.#options.heartbeatMs,
      degradation: this.degradationState,
      registry: this.metricsState.registry,
    })
    await this.#work.openIfNeeded()
    // --- end issue 10 (work) ---
  }

  /** The replicated task board (DESIGN §3): submit, get, list, result, cancel. */
  get tasks(): Tasks {
    if (!this.#work) throw new NodeStoppedError('start the node before using tasks')
    return this.#work.tasks
  }

  /**
   * Opens (or creates) a replicated, persisted document. The overloads type
   * `change`'s argument by backend, so DESIGN §3's `plan.change(ydoc =>
   * ydoc.getMap('goals')...)` type-checks as written: a Y.Doc for 'yjs', the
   * caller's shape (default: any JSON object) for 'automerge'.
   */
  async doc(name: string, options?: { backend?: 'yjs' }): Promise<DocHandle<Y.Doc>>
  // biome-ignore lint/suspicious/noExplicitAny: Automerge's mutable proxy is untyped unless the caller names its shape.
  async doc<D = Record<string, any>>(name: string, options: { backend: 'automerge' }): Promise<DocHandle<D>>
  async doc<D = unknown>(name: string, options?: { backend?: BackendName }): Promise<DocHandle<D>>
  async doc<D = unknown>(name: string, options: { backend?: BackendName } = {}): Promise<DocHandle<D>> {
    if (!this.#running || !this.#docs) throw new NodeStoppedError('start the node before opening documents')
    return (await this.#docs.handle(name, options.backend ?? 'yjs')) as DocHandle<D>
  }

  /**
   * What keeps this node from being settled, as short reasons (empty when
   * settled): pulls or resends outstanding, writes not yet durable or waiting
   * to be retried, changes waiting on their dependencies, gaps in what it
   * holds. The simulator's `runUntilQuiet` waits until every live node
   * returns none (and their replicas agree).
   */
  pendingWork(): string[] {
    const reasons: string[] = [...(this.#replicator?.pendingWork() ?? [])]
    for (const replica of this.#docs?.loaded() ?? []) {
      if (replica.hasGaps) reasons.push(`${replica.name}: gap (${replica.gapSummary()})`)
      if (replica.unsettledWrites > 0)
        reasons.push(`${replica.name}: ${replica.unsettledWrites} writes unsettled`)
      if (replica.backend.hasPending()) reasons.push(`${replica.name}: pending dependencies`)
    }
    // Task runs in progress here (issue 10): runUntilQuiet waits for them too (DESIGN §3).
    reasons.push(...(this.#work?.pendingWork() ?? []))
    return reasons
  }

  /** Every document this node holds, as [name, canonical JSON]: for checkers and tests. */
  documentValues(): Array<[string, string]> {
    return (this.#docs?.loaded() ?? []).map((r) => [r.name, r.backend.canonical()])
  }

  addresses(): string[] {
    return this.#transport.addresses()
  }

  view(): NodeView {
    if (!this.#membership) throw new NodeStoppedError('the node has not started')
    return { ...this.#membership.view(), degradation: this.degradationState.current }
  }

  // --- issue 9 (degradation) ---
  /**
   * Adds a reason of your own to the node's degradation (a quota running low,
   * a dependency in maintenance), at `level` ('degraded' unless told): it
   * shows in `view().degradation`, the `degradation` event and metrics until
   * `restore(reason)`.
   */
  degrade(reason: string, level: Exclude<DegradationLevel, 'full'> = 'degraded'): void {
    this.degradationState.degrade(reason, level)
  }

  /** Removes a reason added with `degrade`. */
  restore(reason: string): void {
    this.degradationState.restore(reason)
  }

  /** Feeds the membership's view to the degradation holder (it reports only changes). */
  #feedDegradation(): void {
    const view = this.#membership?.view()
    if (!view) return
    const reachablePeers = view.reachable.filter((id) => id !== view.self).length
    this.degradationState.membership({
      majority: view.majority,
      reachablePeers,
      knownPeers: view.members.length,
    })
  }
  // --- end issue 9 (degradation) ---

  /** Per origin, how many change batches this node holds, over every document. */
  versionVector(): VersionVector {
    return nodeVector(this.#docs?.loaded() ?? [])
  }

  // --- issue 7 (simulator): per-document vectors, for the simulator's rot rule and checkers ---
  /** Every document this node holds, as [name, its version vector (what it vouches for)]. */
  documentVectors(): Array<[string, VersionVector]> {
    return (this.#docs?.loaded() ?? []).map((r) => [r.name, { ...r.vector }])
  }
  // --- end issue 7 (simulator) ---

  on<K extends keyof NodeEvents>(event: K, listener: NodeEvents[K]): () => void {
    return this.#events.on(event, listener)
  }

  off<K extends keyof NodeEvents>(event: K, listener: NodeEvents[K]): void {
    this.#events.off(event, listener)
  }

  /** Counters, divergence, phi and replication lag per peer, as a plain object. */
  metrics(): Record<string, unknown> {
    // `work`: the task layer's recovery figures (src/work/work-metrics.ts), once its board is open.
    return { ...this.metricsState.snapshot(), work: this.#work?.metrics() }
  }

  /** The same metrics as Prometheus text (prom-client renders asynchronously). */
  metricsText(): Promise<string> {
    return this.metricsState.prometheus(this.#id ?? 'unstarted')
  }

  /** Content type of `metricsText()`, for an HTTP endpoint. */
  get metricsContentType(): string {
    return this.metricsState.registry.contentType
  }

  #metricsSource(): MetricsSource {
    const transport = this.#transport as Partial<{ stats(): { dropped: Record<string, number> } }>
    return {
      nowMs: this.#env.clock.now(),
      view: this.#membership?.view(),
      degradation: this.degradationState.current,
      docs: this.#docs?.loaded() ?? [],
      // Duck-typed: the Transport contract has no stats; the libp2p transport keeps drop counters.
      transportDropped: typeof transport.stats === 'function' ? { ...transport.stats().dropped } : undefined,
    }
  }

  async stop(): Promise<void> {
    if (!this.#running) return
    this.#running = false
    this.#heartbeatTimer?.cancel()
    // Runs are aborted first: nothing writes to the board once its replica stops.
    this.#work?.stop()
    this.#replicator?.stop()
    for (const replica of this.#docs?.loaded() ?? []) {
      // A write still failing is logged by storeFailed already; stopping must not wait for the disk.
      await replica.flush().catch(() => undefined)
      replica.stop()
    }
    await this.#transport.stop()
    await this.#store.close()
  }

  #armHeartbeat(): void {
    this.#heartbeatTimer = this.#env.clock.setTimer(this.#options.heartbeatMs, () => {
      if (!this.#running) return
      try {
        this.#heartbeat()
      } catch (error) {
        this.#failure({ during: 'heartbeat', error })
      } finally {
        // Re-armed whatever happened: a node whose heartbeat stops is declared dead by everyone.
        if (this.#running) this.#armHeartbeat()
      }
    })
  }

  #heartbeat(): void {
    const membership = this.#membership
    if (!membership) return
    membership.tick()
    this.#feedDegradation()
    this.#dialer?.tick(membership.known())
    const frame: Frame = {
      type: 'heartbeat',
      seq: ++this.#heartbeatSeq,
      digest: this.#digest(),
      contentDigest: this.#replicator?.contentDigest() ?? 0,
      ...membership.heartbeatBody(this.#transport.addresses()),
    }
    const bytes = encodeFrame(frame)
    for (const peer of this.#transport.connected()) this.#link.sendBytes(peer, bytes)
    this.#replicator?.tick()
  }

  #digest(): number {
    return this.#digestCache.digest(this.#docs?.loaded() ?? [])
  }

  #onConnect(peer: string): void {
    this.#membership?.contact(peer)
    this.#replicator?.connected(peer)
  }

  #onHeartbeat(from: string, frame: HeartbeatFrame): void {
    const ours = this.#digest()
    this.metricsState.heartbeat(from, frame.digest, ours, this.#env.clock.now())
    this.#membership?.onHeartbeat(from, frame)
    const digests = { vectors: frame.digest, content: frame.contentDigest }
    this.#replicator?.heartbeatSeen(from, digests, ours, this.#options.heartbeatMs * 2)
  }

  #onReplicationFrame(from: string, frame: Exclude<Frame, HeartbeatFrame>): void {
    // Per-document failures are reported inside; what reaches here concerns the frame as a whole.
    this.#replicator
      ?.onFrame(from, frame)
      .catch((error: unknown) => this.#failure({ during: frame.type, peer: from, error }))
  }
}
