/**
 * A simulation: nodes on a simulated network under one virtual clock and one
 * seed. It hosts whatever the node factory builds (the real AgentNode, or a
 * test protocol), applies faults as verbs or from a plan, runs virtual time,
 * checks invariants and fingerprints the run with its trace hash.
 */
import { silentLogger } from '../src/env/logger.ts'
import { seededRandom } from '../src/env/seeded-random.ts'
import type { AgentNode } from '../src/node/agent-node.ts'
import { type AgentSimOptions, agentNodeFactory, isAgentLike } from './agent-nodes.ts'
import { Checkers, type CheckResult, type Invariant, linkFifo, noDeliveryAcrossCut } from './checkers.ts'
import { type DurableStore, opaqueDurableStore, simDurableStore } from './durable-store.ts'
import { ScenarioError } from './errors.ts'
import type { FaultStep } from './fault-plan.ts'
import { parseFaultPlan, parseFaultStep } from './fault-plan.ts'
import { faultTarget } from './fault-target.ts'
import { FaultVerbs } from './fault-verbs.ts'
import { FaultApplier } from './faults.ts'
import { SimNetwork } from './network.ts'
import { resolveNetworkOptions } from './network-options.ts'
import {
  type HostWorld,
  NodeHost,
  type NodeStatus,
  type SimNodeFactory,
  type SimNodeLike,
} from './node-host.ts'
import { nodeIdsOf } from './node-ids.ts'
import { unsettledReasons } from './quiet.ts'
import { Scheduler } from './scheduler.ts'
import type { SimFigures, SimulationOptionsOf } from './simulation-options.ts'
import { Trace, type TraceRecord } from './trace.ts'

export type { SimFigures } from './simulation-options.ts'

/** What `Simulation.create` takes (see simulation-options.ts). */
export type SimulationOptions<N extends SimNodeLike = AgentNode, O = AgentSimOptions> = SimulationOptionsOf<
  N,
  O,
  Simulation<N>
>

import { addRealNodeInvariants } from './real-node-invariants.ts'
import { WorkLedger, withRecordedHandlers } from './work-ledger.ts'
import { WriteLedger } from './write-ledger.ts'

/** Event kinds that mean something is still happening (everything but timers). */
const activeKinds = ['deliver', 'notify', 'link', 'fault', 'node', 'op', 'store', 'resume'] as const

/**
 * A cluster of real nodes (the same code as production) on virtual time: a
 * seeded network and stores, faults as verbs (`partition`, `heal`, `crash`,
 * `restart`, `storeFault`, `corrupt`, … in fault-verbs.ts), `runFor` /
 * `runUntilQuiet` to advance the clock, and the checkers (network, document
 * and work invariants) judged on every step. Create one with
 * `Simulation.create({ seed, nodes })`; the same seed gives the same trace.
 */
export class Simulation<N extends SimNodeLike = AgentNode> extends FaultVerbs {
  readonly seed: number
  readonly ids: readonly string[]
  readonly network: SimNetwork
  readonly checkers = new Checkers<Simulation<N>>()
  /** Client writes issued and acknowledged (the workload records them; the checkers read them). */
  readonly writes = new WriteLedger()
  /** Tasks submitted and every handler execution (the simulator wraps the handlers it passes to nodes). */
  readonly work: WorkLedger
  #agentChecks = false
  readonly #scheduler: Scheduler
  readonly #trace: Trace
  readonly #hosts = new Map<string, NodeHost<N, unknown>>()
  readonly #faults: FaultApplier

  private constructor(options: SimulationOptions<N, unknown>) {
    super()
    this.seed = options.seed
    this.ids = nodeIdsOf(options.nodes)
    const root = seededRandom(options.seed)
    this.#scheduler = new Scheduler(options.limits)
    this.#trace = new Trace(options.trace)
    this.work = new WorkLedger({ now: () => this.#scheduler.nowMs, record: (r) => this.#trace.record(r) })
    this.#trace.observe((record) => this.work.observe(record))
    this.network = new SimNetwork(
      this.#scheduler,
      this.#trace,
      this.ids,
      resolveNetworkOptions(options.network),
      root.fork('net'),
    )
    const faultWorld = {
      ids: this.ids,
      network: this.network,
      scheduler: this.#scheduler,
      trace: this.#trace,
      host: (id: string) => this.#host(id),
      running: () => this.running(),
    }
    this.#faults = new FaultApplier(faultTarget(faultWorld, root.fork('faults')))
    this.#wireCheckers(options.invariants ?? [])
    const world: HostWorld<N, unknown> = {
      scheduler: this.#scheduler,
      network: this.network,
      trace: this.#trace,
      random: root,
      log: options.log ?? silentLogger,
      factory: (options.createNode ?? agentNodeFactory) as SimNodeFactory<N, unknown>,
      nodeOptions: withRecordedHandlers(options.node ?? {}, this.work),
      storeSyncMs: options.storeSyncMs ?? 0,
      nodeFailed: (id: string, detail: string) => this.#nodeFailed(id, detail),
    }
    const storeFor = options.store
    for (const id of this.ids) {
      const durable = storeFor ? opaqueDurableStore(storeFor(id)) : simDurableStore(options.storeOptions)
      this.#hosts.set(id, new NodeHost(id, world, durable))
    }
    this.#trace.record({
      t: 0,
      k: 'options',
      seed: this.seed,
      options: {
        nodes: this.ids,
        network: this.network.options,
        storeSyncMs: options.storeSyncMs ?? 0,
        store: storeFor ? 'caller' : (options.storeOptions ?? {}),
      },
    })
  }

  /** Builds the simulation and boots every node (at virtual time 0); resolves once all are up. */
  static async create<N extends SimNodeLike = AgentNode, O = AgentSimOptions>(
    options: SimulationOptions<N, O>,
  ): Promise<Simulation<N>> {
    if (!Number.isInteger(options.seed))
      throw new ScenarioError('seed', `expected an integer, got ${options.seed}`)
    const sim = new Simulation<N>(options as SimulationOptions<N, unknown>)
    const boots = [...sim.#hosts.values()].map(
      (host) =>
        new Promise<void>((resolve) => {
          sim.#scheduler.schedule(0, 'node', host.id, () => {
            void host.boot().then(resolve)
            return true
          })
        }),
    )
    await sim.until(Promise.all(boots), { maxMs: options.startMsMax ?? 60_000 })
    const agents = sim.running()
    if (options.agentChecks ?? (agents.length > 0 && agents.every(({ node }) => isAgentLike(node)))) {
      sim.#agentChecks = true
      addRealNodeInvariants(sim.checkers, sim, options.node)
    }
    return sim
  }

  /** Whether `check()` includes the real-node invariants and `runUntilQuiet` waits for settled nodes. */
  get agentChecks(): boolean {
    return this.#agentChecks
  }

  #wireCheckers(extra: Invariant<Simulation<N>>[]): void {
    for (const invariant of [linkFifo(), noDeliveryAcrossCut(), ...extra]) this.checkers.add(invariant)
    this.#trace.observe((record) => this.checkers.observe(record, this))
    this.checkers.onViolation = (v) =>
      this.#trace.record({ t: v.atMs, k: 'violation', invariant: v.invariant, detail: v.detail })
    this.#scheduler.hooks = {
      afterEvent: () => this.checkers.afterStep(this, this.#scheduler.nowMs),
      eventThrew: (event, error) =>
        this.#nodeFailed(
          event.node ?? 'world',
          `threw: ${error instanceof Error ? error.message : String(error)}`,
        ),
    }
  }

  #nodeFailed(id: string, detail: string): void {
    this.#trace.record({ t: this.#scheduler.nowMs, k: 'node', node: id, what: 'error', detail })
    this.checkers.report('node-error', `${id} ${detail}`, this.#scheduler.nowMs)
  }

  #host(id: string): NodeHost<N, unknown> {
    const host = this.#hosts.get(id)
    if (host === undefined) throw new ScenarioError('node', `unknown node ${JSON.stringify(id)}`)
    return host
  }

  /** Virtual ms since the simulation began. */
  get nowMs(): number {
    return this.#scheduler.nowMs
  }

  /** The node `id` as its factory built it (the current incarnation). Throws if it is crashed. */
  node(id: string): N {
    const node = this.#host(id).node
    if (node === undefined) throw new Error(`node ${id} is ${this.#host(id).status}`)
    return node
  }

  status(id: string): NodeStatus {
    return this.#host(id).status
  }

  /** The raw database under `id`'s durable store (undefined for a caller-supplied store): to inspect what storage faults did. */
  rawStore(id: string): DurableStore['db'] {
    return this.#host(id).durable.db
  }

  /** Whether `id` is paused now. */
  isPaused(id: string): boolean {
    return this.#scheduler.isPaused(id)
  }

  /** The nodes up now (running, not crashed), in id order. */
  running(): Array<{ id: string; node: N }> {
    const up: Array<{ id: string; node: N }> = []
    for (const host of this.#hosts.values()) {
      if (host.status === 'running' && host.node !== undefined) up.push({ id: host.id, node: host.node })
    }
    return up
  }

  // --- faults (the verbs are in fault-verbs.ts; each applies now and is traced) -------------

  /** Heals every link, ends every pause and restarts every crashed node: the start of a liveness phase. */
  recover(): void {
    this.heal()
    for (const id of this.ids) {
      this.#scheduler.endPause(id)
      if (this.status(id) === 'crashed') this.restart(id)
    }
  }

  /** Validates and applies one fault now (a bad argument throws `ScenarioError`, e.g. `isolate.args[0]: ...`). */
  apply(step: Pick<FaultStep, 'fault' | 'args'>): void {
    this.#faults.apply(parseFaultStep({ atMs: this.nowMs, ...step }, this.ids, step.fault))
  }

  /** Validates `plan` and queues each step at its `atMs` (virtual ms from the start, not from now). */
  schedule(plan: unknown): FaultStep[] {
    const steps = parseFaultPlan(plan, this.ids)
    steps.forEach((step, i) => {
      if (step.atMs < this.nowMs) throw new ScenarioError(`plan[${i}].atMs`, `${step.atMs} is in the past`)
    })
    for (const step of steps) {
      this.#scheduler.schedule(step.atMs, 'fault', undefined, () => {
        this.#faults.apply(step)
        return true
      })
    }
    return steps
  }

  // --- running ---------------------------------------------------------------------------

  /** Runs the next event. Returns false if none is left. */
  step(): Promise<boolean> {
    return this.#scheduler.step()
  }

  /** Runs virtual time for `ms`. */
  runFor(ms: number): Promise<void> {
    return this.#scheduler.runFor(ms)
  }

  /**
   * Runs until quiet, at most `maxMs`. With real nodes, quiet means settled
   * (see quiet.ts): nothing booting or syncing, no node with pending work,
   * and every two nodes that reach each other hold the same values and
   * vectors. Otherwise quiet means nothing but timers is queued: no frame in
   * flight, no connection change, fault, node boot or store sync pending. A
   * test protocol with heartbeats is never silent, so it passes `quiet`
   * (checked after every event) to say when it is done. `reasons` says what
   * was still unsettled when `quiet` is false.
   */
  async runUntilQuiet(options: {
    maxMs: number
    quiet?: (sim: Simulation<N>) => boolean
  }): Promise<{ quiet: boolean; atMs: number; reasons: string[] }> {
    const quiet = options.quiet ?? (() => this.unsettled().length === 0)
    const reached = await this.#scheduler.runUntil(() => quiet(this), options.maxMs)
    return { quiet: reached, atMs: this.nowMs, reasons: reached ? [] : this.unsettled() }
  }

  /** Why the simulation is not quiet now (empty when it is). See `runUntilQuiet`. */
  unsettled(): string[] {
    if (!this.#agentChecks) {
      const queued = this.#scheduler.queuedOf(...activeKinds)
      return queued === 0 ? [] : [`${queued} events besides timers queued`]
    }
    return unsettledReasons({
      ids: this.ids,
      status: (id) => this.status(id),
      running: () => this.running(),
      network: this.network,
      storeOrBootQueued: () => this.#scheduler.queuedOf('store', 'node'),
    })
  }

  /** Runs virtual time until `promise` settles; throws `SimulationTimeoutError` after `maxMs` (default 60 000). */
  until<T>(promise: Promise<T>, options: { maxMs?: number } = {}): Promise<T> {
    return this.#scheduler.until(promise, options.maxMs ?? 60_000)
  }

  /** Marks a phase in the trace. */
  phase(phase: 'safety' | 'liveness' | 'done'): void {
    this.#trace.record({ t: this.nowMs, k: 'phase', phase })
  }

  /** Adds a record to the trace (the options a seed drew, a workload op), so the hash covers it. */
  record(record: TraceRecord): void {
    this.#trace.record(record)
  }

  /** Runs `fn` at virtual time `atMs` as an event of `node` (held while it is paused). `fn` returns whether node code ran. */
  at(atMs: number, node: string, fn: () => boolean): void {
    this.#host(node)
    this.#scheduler.schedule(atMs, 'op', node, fn)
  }

  /** Violations found while running, plus the quiescence invariants evaluated now. */
  check(): CheckResult {
    const violations = [...this.checkers.recorded(), ...this.checkers.atQuiescence(this, this.nowMs)]
    return { ok: violations.length === 0, violations }
  }

  /** The trace's fingerprint: the same seed, options and plan give the same hash in any process. */
  traceHash(): string {
    return this.#trace.hash()
  }

  figures(): SimFigures {
    const t = this.#trace
    return {
      virtualMs: this.nowMs,
      events: this.#scheduler.eventsRun,
      sends: t.count('send'),
      deliveries: t.count('deliver'),
      drops: t.count('drop'),
      duplicates: t.count('dup'),
      faults: t.count('fault'),
      traceLines: t.lines,
      violations: this.checkers.violationsTotal,
    }
  }

  /** Stops every node gracefully (running virtual time while they stop). */
  async stop(options: { maxMs?: number } = {}): Promise<void> {
    await this.until(Promise.all([...this.#hosts.values()].map((host) => host.stop())), options)
  }
}
