/**
 * The simulator runs of #2. `runHeal`: 5 real nodes holding the preloaded
 * document split 2|3, one typist per side types K keystrokes, then the
 * network heals and we watch reconciliation: virtual time until every
 * replica holds the same value and vector, the `heal` and `converged`
 * events, sync rounds, and wire bytes by frame type. `runPair`: the same two
 * end states on two fresh nodes that meet for the first time (no saved sync
 * state), the case comparable with a two-party peer protocol.
 */
import * as Automerge from '@automerge/automerge'
import * as Y from 'yjs'
import type { BackendName } from '../../crdt/backend.ts'
import type { AgentSimOptions } from '../../sim/agent-nodes.ts'
import type { NetworkOptions } from '../../sim/network-options.ts'
import { Simulation } from '../../sim/simulation.ts'
import type { DocHandle } from '../../src/docs/doc-handle.ts'
import { seededRandom } from '../../src/env/seeded-random.ts'
import type { AgentNode } from '../../src/node/agent-node.ts'
import { canonicalVector } from '../../src/sync/version-vector.ts'
import type { Store, VersionVector } from '../../store/store.ts'
import { FrameTally, type Tally, tallySince } from '../harness/frame-tally.ts'
import { DOC, type Preload, preloadedStore, snapshotStore, Typist, typeInto } from './heal-workload.ts'

export const HEARTBEAT_MS = 250
/** One-way latency, uniform: its mean gives the RTT of the time budget. */
export const LATENCY_MS = [1, 10] as const
const network: NetworkOptions = { latencyMs: [...LATENCY_MS] }
export const SIDE_A = ['n1', 'n2']
export const SIDE_B = ['n3', 'n4', 'n5']
const ids = [...SIDE_A, ...SIDE_B]
/**
 * Each side types KEYSTROKES_PER_TICK keystrokes (each its own transaction or
 * change) every TYPING_TICK_MS of virtual time: 200 keystrokes/s, a few
 * people typing. Keystrokes of one tick ride in one live `updates` frame,
 * which matters for Automerge: applying changes to a B4-sized document costs
 * tens of ms per call whatever their number, so one frame per keystroke would
 * make K = 10,000 take most of an hour of wall time.
 */
const KEYSTROKES_PER_TICK = 50
const TYPING_TICK_MS = 250
/** Virtual ms before the split (connections up, heartbeats flowing) and after it (cuts noticed). */
const settleMs = 2_000
/** Longest virtual wait for a phase; past it the run reports what it reached. */
const phaseMsMax = 120_000
/** Virtual ms kept running after convergence, so trailing replies and `converged` events count. */
const trailMs = 1_000

/** One side's document just before the heal (one replica stands for the side: they are equal). */
export interface SideState {
  snapshot: Uint8Array
  vector: VersionVector
}

export interface Reconciliation {
  /** Virtual ms from heal (or first contact) until every replica's vector and value matched; null if never. */
  convergedMs: number | null
  /** Wall ms over the same stretch (every node's work, on one thread). */
  convergedWallMs: number | null
  /** Virtual ms until the last `converged` event (digest-driven: one heartbeat after the data). */
  lastConvergedEventMs: number | null
  /** Virtual ms until the last node's `heal` event (membership sees every member again). */
  detectionMs: number | null
  /** Sync messages sent, summed over nodes (metrics().syncRounds). */
  syncRounds: number
  /** Frames sent from heal until `trailMs` after convergence. */
  tally: Tally
  /** Virtual ms that window spans. */
  windowMs: number
}

export interface HealRun extends Reconciliation {
  sideA: SideState
  sideB: SideState
  editWallMs: number
}

interface Watch {
  heals: Map<string, number>
  diverged: Map<string, Set<string>>
  converged: Map<string, Map<string, number>>
}

function watch(sim: Simulation, nodeIds: readonly string[]): Watch {
  const w: Watch = { heals: new Map(), diverged: new Map(), converged: new Map() }
  for (const id of nodeIds) {
    const node = sim.node(id)
    w.diverged.set(id, new Set())
    w.converged.set(id, new Map())
    node.on('heal', () => void (w.heals.has(id) || w.heals.set(id, sim.nowMs)))
    node.on('diverged', (e) => void w.diverged.get(id)?.add(e.peer))
    node.on('converged', (e) => void w.converged.get(id)?.set(e.peer, sim.nowMs))
  }
  return w
}

/** Every node has a `converged` event for every peer it diverged from. */
function eventsSettled(w: Watch): boolean {
  for (const [id, peers] of w.diverged) {
    const converged = w.converged.get(id)
    for (const peer of peers) if (!converged?.has(peer)) return false
  }
  return true
}

function vectorKey(node: AgentNode): string {
  return JSON.stringify(canonicalVector(node.versionVector()))
}

/** A cheap check after every event: equal vectors first, then (once per new vector) equal values. */
function convergenceCheck(sim: Simulation, nodeIds: readonly string[]): () => boolean {
  let checkedKey = ''
  let valuesEqual = false
  return () => {
    const keys = nodeIds.map((id) => vectorKey(sim.node(id)))
    if (keys.some((k) => k !== keys[0])) return false
    if (keys[0] !== checkedKey) {
      checkedKey = keys[0] as string
      const values = nodeIds.map((id) => JSON.stringify(sim.node(id).documentValues()))
      valuesEqual = values.every((v) => v === values[0])
    }
    return valuesEqual
  }
}

function syncRounds(sim: Simulation, nodeIds: readonly string[]): number {
  return nodeIds.reduce((sum, id) => sum + (sim.node(id).metrics().syncRounds as number), 0)
}

/** Runs from now until convergence and settled events, then `trailMs` more; measures it all from `startMs`. */
async function reconcile(
  sim: Simulation,
  nodeIds: readonly string[],
  w: Watch,
  frames: FrameTally,
): Promise<Reconciliation> {
  const startMs = sim.nowMs
  const startWallMs = performance.now()
  const tallyBefore = frames.snapshot()
  const roundsBefore = syncRounds(sim, nodeIds)
  const converged = convergenceCheck(sim, nodeIds)
  let convergedAt: { ms: number; wallMs: number } | undefined
  const done = () => {
    if (convergedAt === undefined && converged())
      convergedAt = { ms: sim.nowMs - startMs, wallMs: performance.now() - startWallMs }
    return convergedAt !== undefined && eventsSettled(w)
  }
  await sim.runUntilQuiet({ maxMs: phaseMsMax, quiet: done })
  await sim.runFor(trailMs)
  const convergedEvents = [...w.converged.values()].flatMap((m) => [...m.values()])
  const heals = [...w.heals.values()]
  return {
    convergedMs: convergedAt?.ms ?? null,
    convergedWallMs: convergedAt?.wallMs ?? null,
    lastConvergedEventMs: convergedEvents.length === 0 ? null : Math.max(...convergedEvents) - startMs,
    detectionMs: heals.length < nodeIds.length ? null : Math.max(...heals) - startMs,
    syncRounds: syncRounds(sim, nodeIds) - roundsBefore,
    tally: tallySince(frames.snapshot(), tallyBefore),
    windowMs: sim.nowMs - startMs,
  }
}

function nodeOptions(nodeIds: readonly string[]): AgentSimOptions {
  return { heartbeatMs: HEARTBEAT_MS, members: [...nodeIds] }
}

async function create(
  seed: number,
  stores: Map<string, Store>,
  frames: FrameTally,
): Promise<Simulation<AgentNode>> {
  const nodeIds = [...stores.keys()]
  return Simulation.create<AgentNode, AgentSimOptions>({
    seed,
    nodes: nodeIds,
    network,
    node: nodeOptions(nodeIds),
    store: (id) => stores.get(id) as Store,
    createNode: frames.factory(),
    trace: { timers: false },
  })
}

/** The document's bytes on `node`, as its backend would snapshot them. */
function sideState(handle: DocHandle<unknown>, node: AgentNode): SideState {
  const snapshot = handle.backend === 'yjs' ? Y.encodeStateAsUpdate(handle.ydoc) : Automerge.save(handle.doc)
  return { snapshot, vector: node.versionVector() }
}

/** Types `count` keystrokes on `id`, KEYSTROKES_PER_TICK per tick; resolves when the last one is durable. */
function typeOn(sim: Simulation, id: string, handle: DocHandle<unknown>, typist: Typist, count: number) {
  return new Promise<void>((resolve, reject) => {
    let left = count
    const tick = () => {
      for (let i = 0; i < KEYSTROKES_PER_TICK && left > 0; i++) {
        const durable = typeInto(handle, handle.backend, typist.next())
        if (--left === 0) durable.then(resolve, reject)
        else durable.catch(reject)
      }
      if (left > 0) sim.at(sim.nowMs + TYPING_TICK_MS, id, tick)
      return true
    }
    sim.at(sim.nowMs + TYPING_TICK_MS, id, tick)
  })
}

/** Until every node of each side holds what its typist wrote. */
async function sidesSettled(sim: Simulation): Promise<void> {
  const equal = (side: string[]) =>
    side.every((id) => vectorKey(sim.node(id)) === vectorKey(sim.node(side[0] as string)))
  const { quiet } = await sim.runUntilQuiet({
    maxMs: phaseMsMax,
    quiet: () => equal(SIDE_A) && equal(SIDE_B),
  })
  if (!quiet) throw new Error('heal-convergence: a side did not settle after its edits')
}

/** 5 nodes split 2|3, K keystrokes a side, heal; see the file comment. */
export async function runHeal(preload: Preload, keystrokes: number, seed: number): Promise<HealRun> {
  const stores = new Map<string, Store>()
  for (const id of ids) stores.set(id, await preloadedStore(preload))
  const frames = new FrameTally()
  const sim = await create(seed, stores, frames)
  await sim.runFor(settleMs)
  sim.partition([SIDE_A, SIDE_B])
  await sim.runFor(settleMs)
  const backend: BackendName = preload.backend
  const writerA = await sim.until(sim.node('n1').doc(DOC, { backend }))
  const writerB = await sim.until(sim.node('n3').doc(DOC, { backend }))
  const random = seededRandom(seed).fork('typists')
  const editStartMs = performance.now()
  await sim.until(
    Promise.all([
      typeOn(sim, 'n1', writerA, new Typist(random.fork('A'), preload.length), keystrokes),
      typeOn(sim, 'n3', writerB, new Typist(random.fork('B'), preload.length), keystrokes),
    ]),
    { maxMs: (keystrokes / KEYSTROKES_PER_TICK) * TYPING_TICK_MS + phaseMsMax },
  )
  await sidesSettled(sim)
  const editWallMs = performance.now() - editStartMs
  const states = { sideA: sideState(writerA, sim.node('n1')), sideB: sideState(writerB, sim.node('n3')) }
  const w = watch(sim, ids)
  sim.heal()
  const reconciliation = await reconcile(sim, ids, w, frames)
  await sim.stop()
  return { ...states, ...reconciliation, editWallMs }
}

/** Two fresh nodes holding the two sides' end states meet for the first time. */
export async function runPair(backend: BackendName, a: SideState, b: SideState, seed: number) {
  const stores = new Map<string, Store>([
    ['n1', await snapshotStore(backend, a.snapshot, a.vector)],
    ['n3', await snapshotStore(backend, b.snapshot, b.vector)],
  ])
  const frames = new FrameTally()
  const sim = await create(seed, stores, frames)
  const w = watch(sim, ['n1', 'n3'])
  const reconciliation = await reconcile(sim, ['n1', 'n3'], w, frames)
  await sim.stop()
  return reconciliation
}
