/**
 * One document on one node: the live CRDT replica, which dots it vouches for,
 * and its durable log. Every path that changes the document (a local change,
 * a live update from a peer, a sync message) goes through here and through
 * its DocLog, so "in the store before it is acknowledged, forwarded or
 * claimed" is kept in one place.
 *
 * What the vector claims (DESIGN §4, never claim what you do not hold): a dot
 * counts once its entry is durable here AND its content is integrated in the
 * backend. While the backend holds changes waiting for their dependencies,
 * newly durable dots wait in `#deferred`, and are claimed when the backend
 * has none pending again.
 */
import { applyUpdatesIsolating } from '../../crdt/apply-updates.ts'
import type { BackendName, DocBackend, SyncReceipt } from '../../crdt/backend.ts'
import type { Dot, Store, VersionVector } from '../../store/store.ts'
import type { Env } from '../env/types.ts'
import { DotTracker } from '../sync/dot-tracker.ts'
import { DocLog, type LogEntry } from './doc-log.ts'
import { encodeVector } from './vector-meta.ts'

/** A log entry that came through a sync exchange carries no dot of its own. */
export const NO_DOT: Dot = { origin: '', seq: 0 }

/** Where a change came from: 'local' or the id of the peer that delivered it. */
export type ChangeOrigin = 'local' | string

export interface DocReplicaHooks {
  /** A local change is durable: forward it to peers. */
  localDurable(replica: DocReplica, dot: Dot, update: Uint8Array): void
  /** The document's visible state changed. */
  changed(replica: DocReplica, origin: ChangeOrigin): void
  /** A write or compaction failed (a failed write is retried; the caller's promise rejects too). */
  storeFailed(replica: DocReplica, error: unknown): void
}

/** Meta key under which a document's caught-up vector is kept (it is not derivable from dotless sync entries). */
export function vectorMetaKey(doc: string): string {
  return `vector/${doc}`
}

/** The update of a filled dot: it carries nothing, and no backend is asked to apply it. */
const EMPTY_UPDATE = new Uint8Array(0)

const dotKey = (dot: Dot) => `${dot.origin}\u0000${dot.seq}`

export class DocReplica {
  readonly name: string
  readonly backendName: BackendName
  readonly backend: DocBackend
  readonly #self: string
  readonly #store: Store
  readonly #env: Env
  readonly #hooks: DocReplicaHooks
  readonly #log: DocLog
  /** Dots durable and integrated here: what this node's vectors advertise, so a peer may count on them. */
  readonly #tracker: DotTracker
  /** Dots durable here whose content may still wait on dependencies: neither claimed nor acknowledged yet. */
  readonly #deferred = new Map<string, Dot>()
  /** Dots applied but not yet durable, so a duplicate frame is not applied twice meanwhile. */
  readonly #applying = new Set<string>()
  /**
   * Holders (other than self) of my own dots that a `replicas: k` write is
   * waiting on, and nothing else: an entry lives from the wait's start to its
   * end, so the map stays as small as the writes in flight.
   */
  readonly #holders = new Map<number, Set<string>>()
  readonly #holderWaiters = new Map<number, () => void>()
  /** Claim writes (caught-up vectors) in flight, so flush() can wait for them. */
  readonly #claimWrites = new Set<Promise<unknown>>()

  constructor(init: {
    name: string
    backendName: BackendName
    backend: DocBackend
    self: string
    store: Store
    env: Env
    hooks: DocReplicaHooks
    /** What this replica may vouch for as it starts (see DocRegistry: never more than it holds). */
    vector: VersionVector
    /** The highest own seq ever issued for this document (its durable high-water mark). */
    ownSeq?: number
  }) {
    this.name = init.name
    this.backendName = init.backendName
    this.backend = init.backend
    this.#self = init.self
    this.#store = init.store
    this.#env = init.env
    this.#hooks = init.hooks
    this.#tracker = new DotTracker(init.vector)
    this.#log = new DocLog({
      doc: init.name,
      backend: init.backendName,
      self: init.self,
      store: init.store,
      env: init.env,
      ownSeq: Math.max(init.ownSeq ?? 0, init.vector[init.self] ?? 0),
      hooks: {
        durable: (entries) => this.#durable(entries),
        snapshot: () => this.#snapshot(),
        failed: (error) => this.#hooks.storeFailed(this, error),
      },
    })
    // Direct edits on a live Y.Doc take the same durable path as change().
    this.backend.onLocalUpdate((update) => {
      void this.#commitLocal(update).catch((error) => this.#hooks.storeFailed(this, error))
    })
  }

  /** Records a dot found intact in the store on load (content applied, nothing pending). */
  loadDot(dot: Dot): void {
    if (dot.seq > 0) this.#tracker.add(dot)
  }

  /** Records a dot found intact on load whose content waits on a dependency: claimed once that arrives. */
  loadDeferred(dot: Dot): void {
    if (dot.seq > 0 && !this.#tracker.holds(dot)) this.#deferred.set(dotKey(dot), dot)
  }

  #held(dot: Dot): boolean {
    return this.#tracker.holds(dot) || this.#deferred.has(dotKey(dot)) || this.#applying.has(dotKey(dot))
  }

  get vector(): VersionVector {
    return this.#tracker.vector
  }

  /** Some dot is held above a gap: a frame was lost, and a pull will fill it. */
  get hasGaps(): boolean {
    return this.#tracker.hasGaps
  }

  /** Where the gaps are: `origin through N, next held M`, for the reasons a node gives for being unsettled. */
  gapSummary(): string {
    return this.#tracker
      .gaps()
      .map((g) => `${g.origin} through ${g.through}, next held ${g.nextHeld}`)
      .join('; ')
  }

  /** Writes issued and not yet durable, plus writes that failed and wait to be retried: non-zero means unsettled. */
  get unsettledWrites(): number {
    return this.#log.unsettled + this.#claimWrites.size
  }

  /** Dots durable here but not claimed while the backend waits on dependencies. */
  get deferredDots(): number {
    return this.#deferred.size
  }

  /** Moves whenever `vector` may have changed: a key for caching what is derived from it. */
  get vectorVersion(): number {
    return this.#tracker.version
  }

  /** The highest seq of my own dots issued for this document. */
  get ownSeq(): number {
    return this.#log.ownSeq
  }

  /**
   * Dots of mine this node issued and lost (a torn last write, a rotted
   * record) are filled with empty entries, durable and forwarded like any
   * other: a later dot of mine must not leave every node waiting forever on a
   * gap that may exist nowhere. If a peer does hold the real change, content
   * still flows: the libraries' own sync and anti-entropy compare content,
   * not dots.
   */
  fillLostOwnDots(seqs: readonly number[]): void {
    for (const seq of seqs) {
      void this.#log
        .append({ dot: { origin: this.#self, seq }, update: EMPTY_UPDATE })
        .catch((error: unknown) => this.#hooks.storeFailed(this, error))
    }
  }

  /** A peer holds my dot `seq` that I may not remember issuing: never issue it again. */
  observeOwnSeq(seq: number): void {
    this.#log.observeOwnSeq(seq)
  }

  /** Runs a local change; resolves with its dot once durable here (undefined if nothing changed). */
  async change(fn: (doc: unknown) => void): Promise<Dot | undefined> {
    const update = this.backend.change(fn)
    if (!update) return undefined
    return this.#commitLocal(update)
  }

  /** Resolves when every write issued so far is durable (or rejects if one failed). */
  async flush(): Promise<void> {
    await this.#log.flush()
    while (this.#claimWrites.size > 0) await Promise.all([...this.#claimWrites])
  }

  /** Stops retrying failed writes (the node is stopping). */
  stop(): void {
    this.#log.stop()
  }

  async #commitLocal(update: Uint8Array): Promise<Dot> {
    const dot = this.#log.nextOwnDot()
    this.#hooks.changed(this, 'local')
    await this.#log.append({ dot, update })
    return dot
  }

  /** Entries are durable, in order: claim (or defer) their dots; forward my own. */
  #durable(entries: readonly LogEntry[]): void {
    const pending = this.backend.hasPending()
    for (const { dot, update } of entries) {
      if (dot.seq <= 0) continue
      this.#applying.delete(dotKey(dot))
      if (pending) this.#deferred.set(dotKey(dot), dot)
      else this.#tracker.add(dot)
      if (dot.origin === this.#self) this.#hooks.localDurable(this, dot, update)
    }
    if (!pending) this.#claimDeferred()
  }

  /** The backend has nothing pending: every dot deferred meanwhile is integrated now. */
  #claimDeferred(): void {
    if (this.#deferred.size === 0 || this.backend.hasPending()) return
    for (const dot of this.#deferred.values()) this.#tracker.add(dot)
    this.#deferred.clear()
  }

  /** What a compaction writes: only when nothing is pending, so the snapshot holds all it covers. */
  #snapshot(): { bytes: Uint8Array; covers: VersionVector } | undefined {
    if (this.backend.hasPending() || this.#deferred.size > 0) return undefined
    return { bytes: this.backend.snapshot(), covers: this.#tracker.vector }
  }

  /**
   * Applies live updates from a peer; resolves with the dots now durable here
   * (to acknowledge), including ones already held.
   */
  async applyLive(
    from: string,
    entries: Array<{ origin: string; seq: number; update: Uint8Array }>,
  ): Promise<Dot[]> {
    const candidates = entries.filter((e) => e.seq > 0 && !this.#held(e))
    // The frame's entries in one backend call (one Automerge call costs tens of
    // ms on a large document, whatever it carries). An entry the backend cannot
    // read is logged and left out: not stored, not acknowledged.
    const { changed, rejected } = applyUpdatesIsolating(
      this.backend,
      candidates.map((e) => e.update),
    )
    for (const { index, error } of rejected) {
      const { origin, seq } = candidates[index] as (typeof candidates)[number]
      this.#env.log.log('warn', 'dropped an update that cannot be read', {
        doc: this.name,
        from,
        origin,
        seq,
        error: String(error),
      })
    }
    const unreadable = new Set(rejected.map(({ index }) => candidates[index]))
    const fresh = candidates.filter((e) => !unreadable.has(e))
    for (const e of fresh) this.#applying.add(dotKey(e))
    if (changed) this.#hooks.changed(this, from)
    this.#claimDeferred()
    // A failed write is retried by the log; the sender hears no ack for it now and resends or pulls.
    await Promise.allSettled(
      fresh.map((e) => this.#log.append({ dot: { origin: e.origin, seq: e.seq }, update: e.update })),
    )
    // Only dots durable AND integrated here are acknowledged: a change still waiting on a
    // dependency that only its sender holds would die with the sender, so it must not count
    // towards `replicas: k` (a duplicate of one still being written waits for the resend).
    return entries
      .filter((e) => e.seq > 0 && this.#tracker.holds(e))
      .map(({ origin, seq }) => ({ origin, seq }))
  }

  /**
   * Applies a sync message from a peer through the backend's own protocol.
   * `vector` is the sender's vector when it generated the message: once the
   * receipt says this replica caught up with the sender, and everything it
   * received is durable and integrated here, that vector is claimed.
   */
  async applySync(from: string, receipt: SyncReceipt, vector: VersionVector): Promise<void> {
    if (receipt.update) {
      this.#hooks.changed(this, from)
      this.#claimDeferred()
      await this.#log.append({ dot: NO_DOT, update: receipt.update })
    }
    if (!receipt.caughtUp) return
    // Content that came in earlier messages may still be on its way to the disk (or waiting for a retry).
    await this.#log.flush()
    if (this.backend.hasPending()) return
    const before = JSON.stringify(this.#tracker.vector)
    this.#tracker.addVector(vector)
    const after = this.#tracker.vector
    this.observeOwnSeq(after[this.#self] ?? 0)
    if (JSON.stringify(after) !== before) {
      await this.#trackClaim(this.#store.putMeta(vectorMetaKey(this.name), encodeVector(after)))
    }
  }

  /** A peer holds some of my dots durably. */
  heldBy(peer: string, dots: Dot[]): void {
    let grew = false
    for (const dot of dots) {
      if (dot.origin !== this.#self) continue
      const set = this.#holders.get(dot.seq)
      if (set && !set.has(peer)) {
        set.add(peer)
        grew = true
      }
    }
    if (grew) for (const wake of [...this.#holderWaiters.values()]) wake()
  }

  /** A peer's vector says it holds everything up to these seqs. */
  heldUpTo(peer: string, vector: VersionVector): void {
    const seq = vector[this.#self] ?? 0
    const dots: Dot[] = []
    for (const s of this.#holders.keys()) if (s <= seq) dots.push({ origin: this.#self, seq: s })
    this.heldBy(peer, dots)
  }

  /** How many nodes (self included) hold my dot `seq` durably. */
  holderCount(seq: number): number {
    return 1 + (this.#holders.get(seq)?.size ?? 0)
  }

  /**
   * Waits until `holderCount(seq) >= k`. Call it as soon as the write is
   * durable here (before any network event can acknowledge it), and
   * `stopWaiting(seq)` when giving up.
   */
  waitForHolders(seq: number, k: number): Promise<void> {
    this.#holders.set(seq, new Set())
    return new Promise((resolve) => {
      const check = () => {
        if (this.holderCount(seq) < k) return
        this.stopWaiting(seq)
        resolve()
      }
      this.#holderWaiters.set(seq, check)
      check()
    })
  }

  /** Forgets the holders of `seq` (the wait succeeded or timed out). */
  stopWaiting(seq: number): void {
    this.#holders.delete(seq)
    this.#holderWaiters.delete(seq)
  }

  #trackClaim<T>(write: Promise<T>): Promise<T> {
    this.#claimWrites.add(write)
    const done = () => this.#claimWrites.delete(write)
    write.then(done, done)
    return write
  }
}
