/**
 * What `node.doc(name)` returns: a replicated, persisted document. One handle
 * per document per node; it is a thin face over the DocReplica.
 */
import type * as Automerge from '@automerge/automerge'
import type * as Y from 'yjs'
import type { BackendName } from '../../crdt/backend.ts'
import type { Env } from '../env/types.ts'
import { ReplicationTimeoutError } from '../errors.ts'
import type { Emitter } from '../events.ts'
import type { ChangeOrigin, DocReplica } from './doc-replica.ts'

export interface ChangeOptions {
  /** Resolve only once this many nodes (self included) hold the change durably. Default 1. */
  replicas?: number
  /** With `replicas`, reject with ReplicationTimeoutError after this long. Default 5000. */
  timeoutMs?: number
}

export type DocEvents = { change: (event: { origin: ChangeOrigin }) => void }

/** Default wait for `replicas: k`. */
export const REPLICAS_TIMEOUT_MS_DEFAULT = 5_000

export class DocHandle<D = unknown> {
  readonly name: string
  readonly #replica: DocReplica
  readonly #env: Env
  readonly #events: Emitter<DocEvents>

  constructor(replica: DocReplica, env: Env, events: Emitter<DocEvents>) {
    this.name = replica.name
    this.#replica = replica
    this.#env = env
    this.#events = events
  }

  get backend(): BackendName {
    return this.#replica.backendName
  }

  /** The live Y.Doc (yjs documents only). Direct edits on it replicate too; `flush()` tells when they are durable. */
  get ydoc(): Y.Doc {
    if (this.backend !== 'yjs') throw new TypeError(`document "${this.name}" is ${this.backend}, not yjs`)
    return (this.#replica.backend as unknown as { ydoc: Y.Doc }).ydoc
  }

  /** The current Automerge document (automerge documents only). */
  get doc(): Automerge.Doc<D> {
    if (this.backend !== 'automerge')
      throw new TypeError(`document "${this.name}" is ${this.backend}, not automerge`)
    return (this.#replica.backend as unknown as { doc: Automerge.Doc<D> }).doc
  }

  /**
   * Runs `fn` as one transaction (a Y.Doc transaction, or an Automerge change
   * on its mutable proxy). Resolves once the change is durable here, or, with
   * `replicas: k`, once k nodes hold it.
   */
  async change(fn: (doc: D) => void, options: ChangeOptions = {}): Promise<void> {
    const replicas = options.replicas ?? 1
    if (!Number.isInteger(replicas) || replicas < 1) throw new RangeError('replicas must be an integer >= 1')
    const dot = await this.#replica.change(fn as (doc: unknown) => void)
    if (!dot || replicas === 1) return
    await this.#waitForReplicas(dot.seq, replicas, options.timeoutMs ?? REPLICAS_TIMEOUT_MS_DEFAULT)
  }

  #waitForReplicas(seq: number, k: number, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = this.#env.clock.setTimer(timeoutMs, () => {
        const held = this.#replica.holderCount(seq)
        this.#replica.stopWaiting(seq)
        reject(new ReplicationTimeoutError(this.name, held, k, timeoutMs))
      })
      void this.#replica.waitForHolders(seq, k).then(() => {
        timer.cancel()
        resolve()
      })
    })
  }

  /** Plain JSON of the current state. */
  value(): unknown {
    return this.#replica.backend.value()
  }

  /** Resolves when every edit made so far (including direct Y.Doc edits) is durable here. */
  flush(): Promise<void> {
    return this.#replica.flush()
  }

  on<K extends keyof DocEvents>(event: K, listener: DocEvents[K]): () => void {
    return this.#events.on(event, listener)
  }

  off<K extends keyof DocEvents>(event: K, listener: DocEvents[K]): void {
    this.#events.off(event, listener)
  }
}
