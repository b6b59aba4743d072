/**
 * One simulated node across its incarnations. Each incarnation gets a fresh
 * Env (its own clock view and random fork), a fresh transport and a fenced
 * view of the node's one durable store; a crash kills all three at once, so
 * the node's volatile state is gone and only what the store made durable
 * survives into the next incarnation.
 *
 * States of a node:
 *   'starting'  an incarnation is being built or is in `start()`.
 *   'running'   `start()` resolved; the node is up.
 *   'crashed'   the process died; `restart` boots a new incarnation.
 *   'stopped'   `stop()` ran (the end of a simulation); no restart.
 */
import type { Env, Logger, Random } from '../src/env/types.ts'
import type { Store, VersionVector } from '../store/store.ts'
import type { Transport } from '../transport/transport.ts'
import { type CorruptionWitnesses, type DocVectors, rotRecords } from './corruption.ts'
import type { DurableStore } from './durable-store.ts'
import { tearLastLog as tearLast } from './durable-store.ts'
import { type CrashOptions, losesUnsynced } from './fault-plan.ts'
import type { SimNetwork } from './network.ts'
import type { Scheduler } from './scheduler.ts'
import { type FencedStore, fencedStore } from './sim-store.ts'
import { type SimTransport, simTransport } from './sim-transport.ts'
import type { StoreEventName, Trace } from './trace.ts'
import { ClockSetting, type Life, virtualClock } from './virtual-clock.ts'

/** What a node factory must return: something with a start/stop lifecycle (an AgentNode, or a test protocol). */
export interface SimNodeLike {
  start(): Promise<unknown>
  stop(): Promise<unknown>
}

/** A node's per-document vectors, if it reports them (a real AgentNode does: `documentVectors()`). */
export function docVectorsOf(node: unknown): Map<string, VersionVector> | undefined {
  const n = node as { documentVectors?: () => Iterable<[string, VersionVector]> } | undefined
  return typeof n?.documentVectors === 'function' ? new Map(n.documentVectors()) : undefined
}

/** What a node factory gets for each incarnation. */
export interface SimNodeContext<O = Record<string, unknown>> {
  id: string
  env: Env
  transport: Transport
  store: Store
  /** The `node` options of the simulation, the same for every node. */
  options: O
  /** 0 for the first boot, then 1, 2, ... after each restart. */
  incarnation: number
}

/** Builds one node incarnation. */
export type SimNodeFactory<N extends SimNodeLike = SimNodeLike, O = Record<string, unknown>> = (
  ctx: SimNodeContext<O>,
) => Promise<N>

export type NodeStatus = 'starting' | 'running' | 'crashed' | 'stopped'

/** What a host needs from its simulation. */
export interface HostWorld<N extends SimNodeLike, O> {
  scheduler: Scheduler
  network: SimNetwork
  trace: Trace
  random: Random
  log: Logger
  factory: SimNodeFactory<N, O>
  nodeOptions: O
  storeSyncMs: number
  /** A node's code failed (its factory or start() rejected, or it threw out of an event). */
  nodeFailed(id: string, detail: string): void
}

interface Incarnation<N> {
  life: Life
  transport: SimTransport
  store: FencedStore
  node: N | undefined
}

export class NodeHost<N extends SimNodeLike, O> {
  readonly id: string
  readonly clock = new ClockSetting()
  readonly #world: HostWorld<N, O>
  /** The durable store: one per node, reopened by each incarnation. */
  readonly durable: DurableStore
  #status: NodeStatus = 'starting'
  #incarnations = 0
  #crashes = 0
  #rots = 0
  #current: Incarnation<N> | undefined
  /** The node's per-document vectors when it last crashed: what a dotless record may be rotted against. */
  #lastKnown: DocVectors | undefined
  /**
   * Storage work still under way while the node is down (writes a crash let
   * through, records being rotted): a restart waits for it, so the next
   * incarnation opens the store as the faults left it.
   */
  #storeWork: Promise<void> = Promise.resolve()

  constructor(id: string, world: HostWorld<N, O>, durable: DurableStore) {
    this.id = id
    this.#world = world
    this.durable = durable
  }

  get #store(): Store {
    return this.durable.store
  }

  get status(): NodeStatus {
    return this.#status
  }

  /** The node object of the current incarnation (undefined while crashed or before the factory returned). */
  get node(): N | undefined {
    return this.#current?.node
  }

  /** Boots a new incarnation: builds the node and starts it. Resolves when it is up (or failed). */
  async boot(): Promise<void> {
    const w = this.#world
    const k = this.#incarnations++
    const life: Life = { alive: true }
    const env: Env = {
      clock: virtualClock(w.scheduler, this.clock, this.id, life, w.trace),
      random: w.random.fork(k === 0 ? `node:${this.id}` : `node:${this.id}#${k}`),
      log: w.log.child({ node: this.id, incarnation: k }),
    }
    const incarnation: Incarnation<N> = {
      life,
      transport: simTransport(w.network, this.id),
      store: fencedStore(this.#store, w.scheduler, this.id, w.storeSyncMs),
      node: undefined,
    }
    this.#current = incarnation
    this.#status = 'starting'
    this.#record(k === 0 ? 'start' : 'restart')
    try {
      const { transport, store } = incarnation
      incarnation.node = await w.factory({
        id: this.id,
        env,
        transport,
        store,
        options: w.nodeOptions,
        incarnation: k,
      })
      if (life.alive) await incarnation.node.start()
    } catch (error) {
      if (!life.alive) return
      w.nodeFailed(this.id, `start failed: ${error instanceof Error ? error.message : String(error)}`)
      this.crash({})
      return
    }
    if (!life.alive) return
    this.#status = 'running'
    this.#record('started')
  }

  /** Kills the current incarnation now. Returns why not, if it was not up. */
  crash(options: CrashOptions): string | undefined {
    const current = this.#current
    if (current === undefined || !current.life.alive) return `${this.id} is ${this.#status}`
    this.#lastKnown = docVectorsOf(current.node)
    current.life.alive = false
    current.transport.crash()
    const powerLoss = losesUnsynced(options)
    const loss = powerLoss
      ? {
          lose: 'unsynced' as const,
          random: this.#world.random.fork(`power-loss:${this.id}#${this.#crashes}`),
        }
      : { lose: 'none' as const }
    this.#crashes++
    const tear = loss.lose === 'unsynced' ? loss.random.fork('tear') : undefined
    this.#queueStoreWork('crash writes', async () => {
      const outcome = await current.store.crash(loss)
      const db = this.durable.db
      const torn =
        outcome.tornDoc !== undefined && db !== undefined && tear !== undefined
          ? await tearLast(db, outcome.tornDoc, tear)
          : undefined
      if (outcome.survived + outcome.vanished > 0)
        this.#storeEvent(powerLoss ? 'power-loss' : 'crash-writes', { ...outcome, torn })
    })
    this.#world.scheduler.endPause(this.id)
    this.#current = undefined
    this.#status = 'crashed'
    this.#record('crash')
    return undefined
  }

  /** Rots up to `count` records while the node is down (see corruption.ts). Returns why not, if it is up. */
  corrupt(count: number, others: () => DocVectors[]): string | undefined {
    if (this.#status !== 'crashed') return `${this.id} is ${this.#status} (records rot only while it is down)`
    const db = this.durable.db
    if (db === undefined) return `${this.id}'s store was supplied by the caller: no raw records to rot`
    const random = this.#world.random.fork(`rot:${this.id}#${this.#rots++}`)
    this.#queueStoreWork('rot', async () => {
      // Witnesses are taken once the crash's own writes are in, right before the rot.
      const witnesses: CorruptionWitnesses = { others: others(), lastKnown: this.#lastKnown }
      const rotted = await rotRecords(db, count, witnesses, random)
      this.#storeEvent(rotted.length > 0 ? 'rot' : 'rot-none', rotted)
    })
    return undefined
  }

  /** Chains storage work; a failure is the simulator's own and is reported, never dropped. */
  #queueStoreWork(what: string, work: () => Promise<void>): void {
    this.#storeWork = this.#storeWork.then(work).catch((error: unknown) => {
      this.#world.nodeFailed(
        this.id,
        `${what} failed: ${error instanceof Error ? error.message : String(error)}`,
      )
    })
  }

  #storeEvent(what: StoreEventName, detail: unknown): void {
    this.#world.trace.record({ t: this.#world.scheduler.nowMs, k: 'store', node: this.id, what, detail })
  }

  /** Boots a new incarnation over the durable store, in an event of its own. Returns why not, if not crashed. */
  restart(): string | undefined {
    if (this.#status !== 'crashed') return `${this.id} is ${this.#status}`
    this.#status = 'starting'
    const scheduler = this.#world.scheduler
    scheduler.schedule(scheduler.nowMs, 'node', this.id, () => {
      // The dead incarnation never closed the store; closing it now lets the next open() rebuild from the data.
      // Storage faults under way (a crash's writes, rot) finish first: they happened while it was down.
      void this.#storeWork
        .then(() => this.#store.close())
        .then(
          () => this.boot(),
          (error: unknown) => {
            this.#world.nodeFailed(this.id, `store close before restart failed: ${String(error)}`)
            return this.boot()
          },
        )
      return true
    })
    return undefined
  }

  /** Stops the node gracefully (the end of a simulation). */
  async stop(): Promise<void> {
    const current = this.#current
    if (current === undefined || !current.life.alive) return
    this.#status = 'stopped'
    this.#record('stop')
    try {
      await current.node?.stop()
    } finally {
      current.life.alive = false
      current.transport.crash()
      this.#record('stopped')
    }
  }

  #record(what: 'start' | 'started' | 'crash' | 'restart' | 'stop' | 'stopped'): void {
    this.#world.trace.record({ t: this.#world.scheduler.nowMs, k: 'node', node: this.id, what })
  }
}
