/**
 * Every document this node holds, opened or not (full replication: a
 * document first heard of from a peer is created here and stored, so it can
 * be served and opened later). Loads replicas from the store on demand, once.
 */
import { applyUpdatesIsolating } from '../../crdt/apply-updates.ts'
import type { BackendName, DocBackend } from '../../crdt/backend.ts'
import type { Dot, Store, StoredUpdate } from '../../store/store.ts'
import type { Env } from '../env/types.ts'
import { BackendMismatchError } from '../errors.ts'
import { Emitter } from '../events.ts'
import { getOrCreate } from '../get-or-create.ts'
import { ID_PATTERN } from '../ids.ts'
import { type DocEvents, DocHandle } from './doc-handle.ts'
import { DocReplica, type DocReplicaHooks, vectorMetaKey } from './doc-replica.ts'
import { type DocDamage, restoreClaims } from './restore-claims.ts'
import { decodeVector } from './vector-meta.ts'

export const BACKENDS: readonly BackendName[] = ['yjs', 'automerge']

/** Documents one node holds: every one is loaded in memory, so a peer naming endless new ones must hit a wall. */
export const DOCS_PER_NODE_MAX = 100_000

/** Makes a backend: createBackend from crdt/, injected so this file stays a registry. */
export type BackendFactory = (
  name: BackendName,
  options: { random: Env['random']; snapshot?: Uint8Array },
) => DocBackend

export class DocRegistry {
  readonly #env: Env
  readonly #store: Store
  readonly #self: string
  readonly #hooks: DocReplicaHooks
  readonly #createBackend: BackendFactory
  readonly #onDamage: (damage: DocDamage) => void
  readonly #replicas = new Map<string, Promise<DocReplica>>()
  readonly #loaded = new Map<string, DocReplica>()
  readonly #handles = new Map<string, DocHandle>()
  readonly #emitters = new Map<string, Emitter<DocEvents>>()

  constructor(init: {
    env: Env
    store: Store
    self: string
    hooks: DocReplicaHooks
    createBackend: BackendFactory
    /** A document loaded with less than the node had made durable: its claims are withdrawn, peers fill it in. */
    onDamage?: (damage: DocDamage) => void
  }) {
    this.#env = init.env
    this.#store = init.store
    this.#self = init.self
    this.#hooks = init.hooks
    this.#createBackend = init.createBackend
    this.#onDamage = init.onDamage ?? (() => {})
  }

  /** Loads every stored document (at start: peers may ask about any of them). */
  async loadAll(): Promise<void> {
    for (const name of await this.#store.docs()) {
      const stored = await this.#store.load(name)
      if (stored && isBackend(stored.backend)) await this.replica(name, stored.backend)
    }
  }

  /** Replicas loaded now. */
  loaded(): DocReplica[] {
    return [...this.#loaded.values()]
  }

  /** The replica of `name`, loading it or creating it empty with `backend`. */
  replica(name: string, backend: BackendName): Promise<DocReplica> {
    if (!ID_PATTERN.test(name))
      return Promise.reject(new TypeError(`bad document name ${JSON.stringify(name)}`))
    if (!isBackend(backend))
      return Promise.reject(new TypeError(`unknown backend ${JSON.stringify(backend)}`))
    let pending = this.#replicas.get(name)
    if (!pending && this.#replicas.size >= DOCS_PER_NODE_MAX) {
      return Promise.reject(new RangeError(`a node holds at most ${DOCS_PER_NODE_MAX} documents`))
    }
    if (!pending) {
      pending = this.#load(name, backend)
      this.#replicas.set(name, pending)
      pending.catch(() => this.#replicas.delete(name))
    }
    return pending.then((replica) => {
      if (replica.backendName !== backend) {
        throw new BackendMismatchError(`document "${name}" is ${replica.backendName}, not ${backend}`)
      }
      return replica
    })
  }

  /** The handle users hold; one per document. */
  async handle(name: string, backend: BackendName): Promise<DocHandle> {
    const replica = await this.replica(name, backend)
    let handle = this.#handles.get(name)
    if (!handle) {
      handle = new DocHandle(replica, this.#env, this.emitter(name))
      this.#handles.set(name, handle)
    }
    return handle
  }

  emitter(name: string): Emitter<DocEvents> {
    return getOrCreate(this.#emitters, name, () => new Emitter<DocEvents>(this.#env.log))
  }

  async #load(name: string, backend: BackendName): Promise<DocReplica> {
    const stored = await this.#store.load(name)
    const actual = stored && isBackend(stored.backend) ? stored.backend : backend
    const instance = this.#createBackend(actual, {
      random: this.#env.random,
      ...(stored?.snapshot ? { snapshot: stored.snapshot.bytes } : {}),
    })
    const claimed = decodeVector(await this.#store.getMeta(vectorMetaKey(name)))
    const { intactDots, unreadable } = this.#applyTail(name, instance, stored?.updates ?? [])
    const restored = restoreClaims({
      self: this.#self,
      covers: stored?.snapshot?.covers ?? {},
      intactDots,
      claimed,
      highWater: stored?.highWater,
      damaged: (stored?.damagedRecords ?? 0) + unreadable > 0,
      pending: instance.hasPending(),
    })
    if (restored.withdrawn) {
      this.#onDamage({
        doc: name,
        damagedRecords: stored?.damagedRecords ?? 0,
        unreadableEntries: unreadable,
        pendingDependencies: instance.hasPending(),
        missing: restored.missing,
      })
    }
    const replica = new DocReplica({
      name,
      backendName: actual,
      backend: instance,
      self: this.#self,
      store: this.#store,
      env: this.#env,
      hooks: this.#hooks,
      vector: restored.vector,
      ownSeq: restored.ownSeq,
    })
    for (const dot of restored.aboveGap) replica.loadDot(dot)
    for (const dot of restored.deferred) replica.loadDeferred(dot)
    replica.fillLostOwnDots(restored.lostOwn)
    this.#loaded.set(name, replica)
    return replica
  }

  /**
   * Applies the stored log tail in one backend call (one applyUpdates, not one
   * applyUpdate per entry: an Automerge call costs tens of ms on a large
   * document whatever it carries). An entry the backend cannot read is logged
   * and skipped, and its dot is not claimed; the rest still load.
   */
  #applyTail(
    name: string,
    backend: DocBackend,
    tail: readonly StoredUpdate[],
  ): { intactDots: Dot[]; unreadable: number } {
    const { rejected } = applyUpdatesIsolating(
      backend,
      tail.map((entry) => entry.update),
    )
    const skipped = new Set(rejected.map(({ index }) => index))
    for (const { index, error } of rejected) {
      const { dot } = tail[index] as StoredUpdate
      this.#env.log.log('warn', 'skipped a stored update that cannot be read', {
        doc: name,
        origin: dot.origin,
        seq: dot.seq,
        error: String(error),
      })
    }
    const intactDots = tail.filter((_, index) => !skipped.has(index)).map((entry) => entry.dot)
    return { intactDots, unreadable: skipped.size }
  }
}

function isBackend(name: string): name is BackendName {
  return (BACKENDS as readonly string[]).includes(name)
}
