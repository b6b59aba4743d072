/**
 * The node: a facade that wires membership, documents and replication to the
 * injected Env, Transport and Store. It holds the control flow (start, frame
 * dispatch, heartbeat ticks, stop); the subsystems hold the logic.
 */
import type * as Y from 'yjs'
import type { BackendName } from '../../crdt/backend.ts'
import type { Store, VersionVector } from '../../store/store.ts'
import type { Transport } from '../../transport/transport.ts'
import type { DocHandle } from '../docs/doc-handle.ts'
import type { BackendFactory } from '../docs/doc-registry.ts'
import type { Env, Timer } from '../env/types.ts'
import { IdentityCorruptError, NodeStoppedError } from '../errors.ts'
import { Emitter } from '../events.ts'
import { encodeKnownMembers } from '../membership/known-members.ts'
import type { Tasks } from '../work/tasks.ts'
import { type DegradationLevel, DegradationState, type NodeView } from './degradation.ts'
import { nodeVector, VectorsDigestCache } from './digest.ts'
import { reportFailure } from './failures.ts'
import { FrameLink } from './frame-link.ts'
import { encodeFrame, type Frame, type HeartbeatFrame } from './frames.ts'
import { type MetricsSource, NodeMetrics } from './metrics.ts'
import type { NodeEvents } from './node-events.ts'
import { MEMBERS_META, type NodeParts, type WiringHost, wireNode } from './node-wiring.ts'
import type { ResolvedOptions } from './options.ts'
import { metaRecordCorrupt, StoreDamage } from './store-damage.ts'

export type { NodeEvents, StoreDamageReport } from './node-events.ts'

const IDENTITY_META = 'identity'

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
  /** Membership, dialer, documents, replication and work: wired in `start` (node-wiring.ts). */
  readonly #parts: NodeParts = {}
  #heartbeatTimer: Timer | undefined
  #heartbeatSeq = 0
  #running = false
  /** Frames in and out; what arrives while the node starts is kept and replayed. */
  readonly #link: FrameLink
  /** What the store lost (store-damage.ts): documents as they load, then the whole report once started. */
  readonly #damage: StoreDamage
  readonly #digestCache = new VectorsDigestCache()

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
      () => this.#parts.docs?.loaded() ?? [],
    )
    this.#damage = new StoreDamage({
      count: (name, value) => this.metricsState.count(name, value),
      log: init.env.log,
      emit: (report) => this.#events.emit('corrupt', report),
    })
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
    this.#damage.reset()
    // A corrupt identity record reads as absent: the transport would mint a new id.
    const identityCorrupt = metaRecordCorrupt(report, IDENTITY_META)
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
      await wireNode(this.#wiringHost(), this.#parts, id)
      this.#damage.report(report)
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
    this.#parts.work?.start()
  }

  #onDisconnect(peer: string): void {
    this.#parts.replicator?.disconnected(peer)
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
    const membership = this.#parts.membership
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
    if (!this.#parts.membership) throw new NodeStoppedError('the node has not started')
    this.#parts.membership.forget(id)
  }

  /** What the wiring (node-wiring.ts) uses of this node. */
  #wiringHost(): WiringHost {
    return {
      env: this.#env,
      store: this.#store,
      transport: this.#transport,
      options: this.#options,
      createBackend: this.#createBackend,
      events: this.#events,
      metrics: this.metricsState,
      degradation: this.degradationState,
      damage: this.#damage,
      link: this.#link,
      taskNode: this,
      view: () => this.view(),
      failure: (failure) => this.#failure(failure),
      feedDegradation: () => this.#feedDegradation(),
      saveMembers: () => this.#saveMembers(),
    }
  }

  /** The replicated task board (DESIGN §3): submit, get, list, result, cancel. */
  get tasks(): Tasks {
    if (!this.#parts.work) throw new NodeStoppedError('start the node before using tasks')
    return this.#parts.work.tasks
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
    if (!this.#running || !this.#parts.docs)
      throw new NodeStoppedError('start the node before opening documents')
    return (await this.#parts.docs.handle(name, options.backend ?? 'yjs')) as DocHandle<D>
  }

  /**
   * What keeps this node from being settled, as short reasons (empty when
   * settled): pulls or resends outstanding, writes not yet durable or waiting
   * to be retried, changes waiting on their dependencies, gaps in what it
   * holds. The simulator's `runUntilQuiet` waits until every live node
   * returns none (and their replicas agree).
   */
  pendingWork(): string[] {
    const reasons: string[] = [...(this.#parts.replicator?.pendingWork() ?? [])]
    for (const replica of this.#parts.docs?.loaded() ?? []) {
      if (replica.hasGaps) reasons.push(`${replica.name}: gap (${replica.gapSummary()})`)
      if (replica.unsettledWrites > 0)
        reasons.push(`${replica.name}: ${replica.unsettledWrites} writes unsettled`)
      if (replica.backend.hasPending()) reasons.push(`${replica.name}: pending dependencies`)
    }
    // Task runs in progress here (issue 10): runUntilQuiet waits for them too (DESIGN §3).
    reasons.push(...(this.#parts.work?.pendingWork() ?? []))
    return reasons
  }

  /** Every document this node holds, as [name, canonical JSON]: for checkers and tests. */
  documentValues(): Array<[string, string]> {
    return (this.#parts.docs?.loaded() ?? []).map((r) => [r.name, r.backend.canonical()])
  }

  addresses(): string[] {
    return this.#transport.addresses()
  }

  view(): NodeView {
    if (!this.#parts.membership) throw new NodeStoppedError('the node has not started')
    return { ...this.#parts.membership.view(), degradation: this.degradationState.current }
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
    const view = this.#parts.membership?.view()
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
    return nodeVector(this.#parts.docs?.loaded() ?? [])
  }

  // --- issue 7 (simulator): per-document vectors, for the simulator's rot rule and checkers ---
  /** Every document this node holds, as [name, its version vector (what it vouches for)]. */
  documentVectors(): Array<[string, VersionVector]> {
    return (this.#parts.docs?.loaded() ?? []).map((r) => [r.name, { ...r.vector }])
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
    return { ...this.metricsState.snapshot(), work: this.#parts.work?.metrics() }
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
      view: this.#parts.membership?.view(),
      degradation: this.degradationState.current,
      docs: this.#parts.docs?.loaded() ?? [],
      // Duck-typed: the Transport contract has no stats; the libp2p transport keeps drop counters.
      transportDropped: typeof transport.stats === 'function' ? { ...transport.stats().dropped } : undefined,
    }
  }

  async stop(): Promise<void> {
    if (!this.#running) return
    this.#running = false
    this.#heartbeatTimer?.cancel()
    // Runs are aborted first: nothing writes to the board once its replica stops.
    this.#parts.work?.stop()
    this.#parts.replicator?.stop()
    for (const replica of this.#parts.docs?.loaded() ?? []) {
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
    const membership = this.#parts.membership
    if (!membership) return
    membership.tick()
    this.#feedDegradation()
    this.#parts.dialer?.tick(membership.known())
    const frame: Frame = {
      type: 'heartbeat',
      seq: ++this.#heartbeatSeq,
      digest: this.#digest(),
      contentDigest: this.#parts.replicator?.contentDigest() ?? 0,
      ...membership.heartbeatBody(this.#transport.addresses()),
    }
    const bytes = encodeFrame(frame)
    for (const peer of this.#transport.connected()) this.#link.sendBytes(peer, bytes)
    this.#parts.replicator?.tick()
  }

  #digest(): number {
    return this.#digestCache.digest(this.#parts.docs?.loaded() ?? [])
  }

  #onConnect(peer: string): void {
    this.#parts.membership?.contact(peer)
    this.#parts.replicator?.connected(peer)
  }

  #onHeartbeat(from: string, frame: HeartbeatFrame): void {
    const ours = this.#digest()
    this.metricsState.heartbeat(from, frame.digest, ours, this.#env.clock.now())
    this.#parts.membership?.onHeartbeat(from, frame)
    const digests = { vectors: frame.digest, content: frame.contentDigest }
    this.#parts.replicator?.heartbeatSeen(from, digests, ours, this.#options.heartbeatMs * 2)
  }

  #onReplicationFrame(from: string, frame: Exclude<Frame, HeartbeatFrame>): void {
    // Per-document failures are reported inside; what reaches here concerns the frame as a whole.
    this.#parts.replicator
      ?.onFrame(from, frame)
      .catch((error: unknown) => this.#failure({ during: frame.type, peer: from, error }))
  }
}
