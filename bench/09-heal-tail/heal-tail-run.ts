/**
 * One seed of #9's heal tail: 5 real isthmus nodes on the named scenarios'
 * lossy LAN (1–40 ms one way, 2 % loss, 1 % duplicates, compacting stores,
 * writes durable after 5 ms), split 2|3 with writes on both sides, one node
 * (drawn from the seed) crashed during the split losing its unsynced tail
 * and restarted before the heal; writes stop at the heal. The run is a
 * scenario file through `runScenario` with the CLI's protocol (the same
 * invariants and write workload as `isthmus sim`), so the file this writes
 * for a seed replays it: `npx isthmus sim --plan FILE --seed S` gives the
 * same trace hash.
 *
 * A watcher runs after every event (an invariant that never reports) and
 * times, from the heal: detection (every node's membership view has every
 * peer alive again: its `heal` event), every vector equal, every value equal,
 * settled (every node running, no `pendingWork()`, all values and vectors
 * equal: what `runUntilQuiet` waits for), and which kinds of unsettled work
 * were seen when (pulls, resends, gaps, pending dependencies, ...), so a
 * slow seed says which phase was slow.
 */

import { agentInvariants } from '../../sim/agent-invariants.ts'
import { agentNodeFactory } from '../../sim/agent-nodes.ts'
import { type AckedWrites, applyWrite, writesFromSeed } from '../../sim/agent-workload.ts'
import type { Invariant } from '../../sim/checkers.ts'
import type { FaultStep } from '../../sim/fault-plan.ts'
import type { SimNodeFactory, SimNodeLike } from '../../sim/node-host.ts'
import { runScenario, type Verdict } from '../../sim/scenario.ts'
import type { ScenarioFile } from '../../sim/scenario-file.ts'
import { compactingStore, lossyLan } from '../../sim/scenarios/index.ts'
import type { Simulation } from '../../sim/simulation.ts'
import type { WorkloadOp } from '../../sim/workload.ts'
import { seededRandom } from '../../src/env/seeded-random.ts'
import type { AgentNode } from '../../src/node/agent-node.ts'
import { decodeFrame } from '../../src/node/frames.ts'
import { canonicalVector } from '../../src/sync/version-vector.ts'
import type { Transport } from '../../transport/transport.ts'

export const TAIL_IDS = ['n1', 'n2', 'n3', 'n4', 'n5']
export const TAIL_SIDES = [
  ['n1', 'n2'],
  ['n3', 'n4', 'n5'],
]
export const TAIL_HEARTBEAT_MS = 250
export const tailNetwork = lossyLan
/** The lossy LAN's one-way latency, uniform over [min, max] ms. */
const [LATENCY_MIN_MS, LATENCY_MAX_MS] = lossyLan.latencyMs as unknown as [number, number]
/** One RTT: twice the mean one-way latency of the uniform latency model (as #2 takes it). */
export const TAIL_RTT_MS = LATENCY_MIN_MS + LATENCY_MAX_MS
/** Writes take this long to become durable, so the crash has an unsynced tail to lose. */
const STORE_SYNC_MS = 5
const SPLIT_MS = 1_000
export const HEAL_MS = 5_000
/** Safety phase: the heal plus this; a seed still unsettled then goes on in the liveness phase. */
const AFTER_HEAL_MS = 3_000
const LIVENESS_MS_MAX = 30_000
const WRITE_EVERY_MS = 150

/** Kinds of unsettled work, from the reasons `sim.unsettled()` gives. */
export type Blocker =
  | 'boot or store sync'
  | 'pull queued'
  | 'pull (first attempt)'
  | 'pull resend'
  | 'live updates queued'
  | 'owed vectors/acks/sync starts'
  | 'gap'
  | 'writes unsettled'
  | 'pending dependencies'
  | 'vectors differ (no work pending)'
  | 'values differ'
  | 'other'

function blockerOf(reason: string): Blocker {
  if (/ is starting|store syncs or boots/.test(reason)) return 'boot or store sync'
  if (/pull from .* waiting to be sent/.test(reason)) return 'pull queued'
  if (/pull from .* \(attempt 1\)/.test(reason)) return 'pull (first attempt)'
  if (/pull from .* \(attempt \d+\)/.test(reason)) return 'pull resend'
  if (/live updates queued/.test(reason)) return 'live updates queued'
  if (/owed to/.test(reason)) return 'owed vectors/acks/sync starts'
  if (/: gap \(/.test(reason)) return 'gap'
  if (/writes unsettled/.test(reason)) return 'writes unsettled'
  if (/pending dependencies/.test(reason)) return 'pending dependencies'
  if (/differ in version vectors/.test(reason)) return 'vectors differ (no work pending)'
  if (/differ in document values/.test(reason)) return 'values differ'
  return 'other'
}

/** A span of virtual ms (from the heal) in which a kind of work was seen. */
export interface Span {
  firstMs: number
  lastMs: number
}

export interface TailRun {
  seed: number
  /** The node crashed (losing its unsynced tail) and restarted during the split. */
  crashed: string
  crashMs: number
  restartMs: number
  /** Virtual ms from the heal; null if never reached. */
  detectionMs: number | null
  vectorsEqualMs: number | null
  valuesEqualMs: number | null
  settledMs: number | null
  /** Unsettled work seen between the heal and settled, by kind: when first and last seen. */
  blockers: Map<Blocker, Span>
  /** Virtual ms between the heal and settled during which each kind of work was outstanding. */
  exposureMs: Map<Blocker, number>
  /** Frames lost to the network's loss after the heal, until settled, by frame type ("vectors request", "sync", ...). */
  lost: Map<string, number>
  /** Vectors requests sent after the heal until settled, besides those of the first 50 ms (the reconnect's). */
  laterVectorsRequests: number[]
  /** The reasons at the last moment before settled (at most a few). */
  lastReasons: string[]
  /** The node whose vector changed last after the heal, and when. */
  lastToCatchUp: { node: string; atMs: number } | null
  ok: boolean
  violations: string[]
  traceHash: string
  replay: ScenarioFile
}

interface Plan {
  crashed: string
  crashMs: number
  restartMs: number
  steps: FaultStep[]
}

/** The seed's faults: split, crash (power loss) and restart of one node during the split, heal. */
function planFor(seed: number): Plan {
  const random = seededRandom(seed).fork('heal-tail')
  const crashed = TAIL_IDS[Math.floor(random.next() * TAIL_IDS.length)] as string
  const crashMs = SPLIT_MS + 250 + Math.floor(random.next() * 2_000)
  const latestRestartMs = HEAL_MS - 200
  const restartMs = crashMs + 300 + Math.floor(random.next() * (latestRestartMs - crashMs - 300))
  const steps: FaultStep[] = [
    { atMs: SPLIT_MS, fault: 'partition', args: [TAIL_SIDES.map((s) => [...s])] },
    { atMs: crashMs, fault: 'crash', args: [crashed, { lose: 'unsynced' }] },
    { atMs: restartMs, fault: 'restart', args: [crashed] },
    { atMs: HEAL_MS, fault: 'heal', args: [] },
  ]
  return { crashed, crashMs, restartMs, steps }
}

function vectorKey(node: AgentNode): string {
  return JSON.stringify(canonicalVector(node.versionVector()))
}

function valuesKey(node: AgentNode): string {
  return JSON.stringify([...node.documentValues()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}

/** Times the phases after the heal; see the file comment. */
class HealWatch {
  detectionMs: number | null = null
  vectorsEqualMs: number | null = null
  valuesEqualMs: number | null = null
  settledMs: number | null = null
  readonly blockers = new Map<Blocker, Span>()
  readonly exposureMs = new Map<Blocker, number>()
  #prevKinds = new Set<Blocker>()
  #prevMs: number | undefined
  lastReasons: string[] = []
  /** Frame type of each message sent (by the trace's message id), and the losses after the heal. */
  readonly #msgType = new Map<number, string>()
  #lastSendMsg = 0
  #lastSendMs = 0
  readonly #lostMsgs: number[] = []
  readonly laterVectorsRequests: number[] = []
  readonly #lastVector = new Map<string, string>()
  lastToCatchUp: { node: string; atMs: number } | null = null

  invariant(): Invariant<Simulation<AgentNode>> {
    return {
      name: 'heal-tail-watch',
      everyStep: (sim) => void this.#step(sim),
      observe: (record) => {
        if (record.k === 'send') {
          this.#lastSendMsg = record.msg
          this.#lastSendMs = record.t
        } else if (record.k === 'drop' && record.why === 'loss' && this.#measuring(record.t))
          this.#lostMsgs.push(record.msg)
        return undefined
      },
    }
  }

  #measuring(t: number): boolean {
    return t >= HEAL_MS && this.settledMs === null
  }

  /** Real nodes whose frames this watch labels by type (a transport wrapper: what is sent is unchanged). */
  factory(inner: SimNodeFactory<SimNodeLike, unknown>): SimNodeFactory<SimNodeLike, unknown> {
    return (ctx) => inner({ ...ctx, transport: this.#wrap(ctx.transport) })
  }

  #wrap(transport: Transport): Transport {
    return {
      start: (ctx) => transport.start(ctx),
      stop: () => transport.stop(),
      send: (peer, frame) => {
        const before = this.#lastSendMsg
        const sent = transport.send(peer, frame)
        // The network traced the send (with its message id and virtual time) inside transport.send.
        if (this.#lastSendMsg !== before && this.#measuring(this.#lastSendMs)) {
          const decoded = decodeFrame(frame)
          const type =
            decoded.type === 'vectors' ? `vectors ${decoded.reply ? 'reply' : 'request'}` : decoded.type
          this.#msgType.set(this.#lastSendMsg, type)
          const t = this.#lastSendMs - HEAL_MS
          if (type === 'vectors request' && t > 50) this.laterVectorsRequests.push(t)
        }
        return sent
      },
      connected: () => transport.connected(),
      addresses: () => transport.addresses(),
      dial: (address) => transport.dial(address),
    }
  }

  /** Losses after the heal, by frame type. */
  lost(): Map<string, number> {
    const out = new Map<string, number>()
    for (const msg of this.#lostMsgs) {
      const type = this.#msgType.get(msg) ?? 'unknown'
      out.set(type, (out.get(type) ?? 0) + 1)
    }
    return out
  }

  #step(sim: Simulation<AgentNode>): void {
    if (this.settledMs !== null || sim.nowMs < HEAL_MS) return
    const t = sim.nowMs - HEAL_MS
    if (this.#prevMs !== undefined)
      for (const kind of this.#prevKinds)
        this.exposureMs.set(kind, (this.exposureMs.get(kind) ?? 0) + t - this.#prevMs)
    this.#prevMs = t
    this.#prevKinds = new Set()
    const running = sim.running()
    if (running.length < TAIL_IDS.length) {
      this.#seen(['a node is starting'], t)
      return
    }
    for (const a of TAIL_IDS) for (const b of TAIL_IDS) if (a !== b && sim.network.isCut(a, b)) return
    if (this.detectionMs === null && running.every(({ node }) => !node.view().partitioned))
      this.detectionMs = t
    const vectors = running.map(({ id, node }) => {
      const key = vectorKey(node)
      if (this.#lastVector.get(id) !== key) {
        if (this.#lastVector.has(id)) this.lastToCatchUp = { node: id, atMs: t }
        this.#lastVector.set(id, key)
      }
      return key
    })
    const vectorsEqual = vectors.every((k) => k === vectors[0])
    if (vectorsEqual && this.vectorsEqualMs === null) this.vectorsEqualMs = t
    if (vectorsEqual && this.valuesEqualMs === null) {
      const values = running.map(({ node }) => valuesKey(node))
      if (values.every((v) => v === values[0])) this.valuesEqualMs = t
    }
    const reasons = sim.unsettled()
    if (reasons.length === 0) this.settledMs = t
    else this.#seen(reasons, t)
  }

  #seen(reasons: string[], t: number): void {
    this.lastReasons = reasons.slice(0, 4)
    for (const reason of reasons) {
      const kind = blockerOf(reason)
      this.#prevKinds.add(kind)
      const span = this.blockers.get(kind)
      if (span === undefined) this.blockers.set(kind, { firstMs: t, lastMs: t })
      else span.lastMs = t
    }
  }
}

/** Runs one seed; see the file comment. */
export async function runTailSeed(seed: number): Promise<TailRun> {
  const plan = planFor(seed)
  // What `isthmus sim` runs (its protocol: real nodes, these invariants, this write op), so a
  // scenario file of this run replays it with the same trace hash.
  const acked: AckedWrites = []
  const watch = new HealWatch()
  const verdict: Verdict = await runScenario({
    seed,
    nodes: TAIL_IDS,
    network: tailNetwork,
    createNode: watch.factory(agentNodeFactory as SimNodeFactory<SimNodeLike, unknown>),
    node: { heartbeatMs: TAIL_HEARTBEAT_MS, members: TAIL_IDS },
    storeSyncMs: STORE_SYNC_MS,
    storeOptions: compactingStore,
    plan: plan.steps,
    workload: writesFromSeed(seed, TAIL_IDS, HEAL_MS, WRITE_EVERY_MS),
    applyOp: applyWrite(acked) as (
      node: SimNodeLike,
      op: WorkloadOp,
      sim: Simulation<SimNodeLike>,
    ) => unknown,
    invariants: [...agentInvariants(acked), watch.invariant()] as Invariant<Simulation<SimNodeLike>>[],
    durationMs: HEAL_MS + AFTER_HEAL_MS,
    livenessMsMax: LIVENESS_MS_MAX,
  })
  return {
    seed,
    crashed: plan.crashed,
    crashMs: plan.crashMs,
    restartMs: plan.restartMs,
    detectionMs: watch.detectionMs,
    vectorsEqualMs: watch.vectorsEqualMs,
    valuesEqualMs: watch.valuesEqualMs,
    settledMs: watch.settledMs,
    blockers: watch.blockers,
    exposureMs: watch.exposureMs,
    lost: watch.lost(),
    laterVectorsRequests: watch.laterVectorsRequests,
    lastReasons: watch.lastReasons,
    lastToCatchUp: watch.lastToCatchUp,
    ok: verdict.ok,
    violations: verdict.violations.map((v) => `${v.invariant}: ${v.detail}`),
    traceHash: verdict.traceHash,
    replay: verdict.replay,
  }
}
