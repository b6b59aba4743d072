/**
 * One document on one node: the live CRDT replica, which dots it holds, and
 * its durable log. Every path that changes the document (a local change, a
 * live update from a peer, a sync message) goes through here, so the rule
 * "in the store before it is acknowledged or forwarded" is kept in one place.
 */
import { applyUpdatesIsolating } from '../../crdt/apply-updates.ts'
import type { BackendName, DocBackend, SyncReceipt } from '../../crdt/backend.ts'
import type { Dot, Store, VersionVector } from '../../store/store.ts'
import type { Logger } from '../env/types.ts'
import { DotTracker } from '../sync/dot-tracker.ts'

/** A log entry that came through a sync exchange carries no dot of its own. */
export const NO_DOT: Dot = { origin: '', seq: 0 }

/** Where a change came from: 'local' or the id of the peer that delivered it. */
export type ChangeOrigin = 'local' | string

export interface DocReplicaHooks {
  /** A local change is durable: forward it to peers. */
  localDurable(replica: DocReplica, dot: Dot, update: Uint8Array): void
  /** The document's visible state changed. */
  changed(replica: DocReplica, origin: ChangeOrigin): void
  /** A write or compaction failed: the caller's promise rejects too. */
  storeFailed(replica: DocReplica, error: unknown): void
}

/** Meta key under which a document's caught-up vector is kept (it is not derivable from dotless sync entries). */
export function vectorMetaKey(doc: string): string {
  return `vector/${doc}`
}

export class DocReplica {
  readonly name: string
  readonly backendName: BackendName
  readonly backend: DocBackend
  readonly #self: string
  readonly #store: Store
  readonly #log: Logger
  readonly #hooks: DocReplicaHooks
  /** Dots durable here: what this node's vectors advertise, so a peer may count on them. */
  readonly #tracker: DotTracker
  /** Dots applied but still being written, so a duplicate frame is not applied twice meanwhile. */
  readonly #applying = new Set<string>()
  #lastLocalSeq = 0
  /**
   * Holders (other than self) of my own dots that a `replicas: k` write is
   * waiting on, and nothing else: an entry lives from the wait's start to its
   * end, so the map stays as small as the writes in flight.
   */
  readonly #holders = new Map<number, Set<string>>()
  readonly #holderWaiters = new Map<number, () => void>()
  /** Writes in flight, so flush() can wait for them. */
  readonly #inFlight = new Set<Promise<unknown>>()
  #compacting = false

  constructor(init: {
    name: string
    backendName: BackendName
    backend: DocBackend
    self: string
    store: Store
    log: Logger
    hooks: DocReplicaHooks
    vector: VersionVector
  }) {
    this.name = init.name
    this.backendName = init.backendName
    this.backend = init.backend
    this.#self = init.self
    this.#store = init.store
    this.#log = init.log
    this.#hooks = init.hooks
    this.#tracker = new DotTracker(init.vector)
    // Direct edits on a live Y.Doc take the same durable path as change().
    this.backend.onLocalUpdate((update) => {
      void this.#commitLocal(update).catch((error) => this.#hooks.storeFailed(this, error))
    })
  }

  /** Records a dot found in the store on load. */
  loadDot(dot: Dot): void {
    if (dot.seq > 0) this.#tracker.add(dot)
  }

  #held(dot: Dot): boolean {
    return this.#tracker.holds(dot) || this.#applying.has(`${dot.origin}\u0000${dot.seq}`)
  }

  get vector(): VersionVector {
    return this.#tracker.vector
  }

  /** Some dot is held above a gap: a frame was lost, and a pull will fill it. */
  get hasGaps(): boolean {
    return this.#tracker.hasGaps
  }

  /** Writes issued and not yet durable, plus writes that failed and wait to be retried: non-zero means unsettled. */
  get unsettledWrites(): number {
    return this.#inFlight.size
  }

  /** Moves whenever `vector` may have changed: a key for caching what is derived from it. */
  get vectorVersion(): number {
    return this.#tracker.version
  }

  /** Runs a local change; resolves with its dot once durable here (undefined if nothing changed). */
  async change(fn: (doc: unknown) => void): Promise<Dot | undefined> {
    const update = this.backend.change(fn)
    if (!update) return undefined
    return this.#commitLocal(update)
  }

  /** Resolves when every write issued so far is durable (or rejects if one failed). */
  async flush(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight])
  }

  async #commitLocal(update: Uint8Array): Promise<Dot> {
    this.#lastLocalSeq = Math.max(this.#lastLocalSeq, this.#tracker.vector[this.#self] ?? 0) + 1
    const dot = { origin: this.#self, seq: this.#lastLocalSeq }
    this.#hooks.changed(this, 'local')
    await this.#append(dot, update)
    this.#tracker.add(dot)
    this.#hooks.localDurable(this, dot, update)
    return dot
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
      this.#log.log('warn', 'dropped an update that cannot be read', {
        doc: this.name,
        from,
        origin,
        seq,
        error: String(error),
      })
    }
    const unreadable = new Set(rejected.map(({ index }) => candidates[index]))
    const fresh = candidates.filter((e) => !unreadable.has(e))
    for (const e of fresh) this.#applying.add(`${e.origin}\u0000${e.seq}`)
    if (changed) this.#hooks.changed(this, from)
    await Promise.all(
      fresh.map(async (e) => {
        const dot = { origin: e.origin, seq: e.seq }
        try {
          await this.#append(dot, e.update)
          this.#tracker.add(dot)
        } finally {
          this.#applying.delete(`${e.origin}\u0000${e.seq}`)
        }
      }),
    )
    // Only dots durable here are acknowledged (a duplicate of one still being written waits for the resend).
    return entries
      .filter((e) => e.seq > 0 && this.#tracker.holds(e))
      .map(({ origin, seq }) => ({ origin, seq }))
  }

  /**
   * Applies a sync message from a peer through the backend's own protocol.
   * `vector` is the sender's vector when it generated the message: once the
   * receipt says this replica caught up with the sender, that vector is held.
   */
  async applySync(from: string, receipt: SyncReceipt, vector: VersionVector): Promise<void> {
    if (receipt.update) {
      this.#hooks.changed(this, from)
      await this.#append(NO_DOT, receipt.update)
    }
    if (receipt.caughtUp) {
      const before = JSON.stringify(this.#tracker.vector)
      this.#tracker.addVector(vector)
      const after = this.#tracker.vector
      if (JSON.stringify(after) !== before) {
        // Only after the update above is durable: the vector never claims what the store lacks.
        await this.#track(this.#store.putMeta(vectorMetaKey(this.name), encodeVector(after)))
      }
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

  #track<T>(write: Promise<T>): Promise<T> {
    this.#inFlight.add(write)
    const done = () => this.#inFlight.delete(write)
    write.then(done, done)
    return write
  }

  async #append(dot: Dot, update: Uint8Array): Promise<void> {
    const { compactionDue } = await this.#track(
      this.#store.append(this.name, this.backendName, { dot, update }),
    )
    // Not awaited: the write is durable already, and holding it back until the
    // snapshot is written would release (and forward) it after later writes.
    if (compactionDue && !this.#compacting) void this.#track(this.#compact())
  }

  async #compact(): Promise<void> {
    this.#compacting = true
    try {
      // The snapshot holds every update appended before this call: all were applied to the live replica first.
      await this.#store.compact(this.name, this.backend.snapshot(), this.#tracker.vector)
    } catch (error) {
      this.#log.log('warn', 'compaction failed; the log is kept', { doc: this.name, error: String(error) })
    } finally {
      this.#compacting = false
    }
  }
}

export function encodeVector(vector: VersionVector): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(vector))
}

export function decodeVector(bytes: Uint8Array | undefined): VersionVector {
  if (!bytes) return {}
  const parsed: unknown = JSON.parse(new TextDecoder().decode(bytes))
  if (typeof parsed !== 'object' || parsed === null) return {}
  const out: VersionVector = {}
  for (const [origin, seq] of Object.entries(parsed))
    if (Number.isSafeInteger(seq) && seq > 0) out[origin] = seq
  return out
}
