/**
 * #2 convergence after heal. Five real isthmus nodes in the simulator hold a
 * document preloaded with the B4 trace (built once through an isthmus
 * backend, in every node's store with the same dot, as replication would have
 * left it); they split 2|3, one typist per side types K keystrokes (one
 * transaction or change each), and the network heals. Measured, per backend
 * and K: virtual time from heal until every replica holds the same value and
 * vector, the `heal` and `converged` events, sync rounds, and wire bytes by
 * frame type (heartbeats apart). Set against, in the same run:
 *
 * - the library-minimal delta each way (Yjs `encodeStateAsUpdate(B,
 *   stateVector(A))`, Automerge's missing changes), counted once per replica
 *   that lacks it (3 × A's news + 2 × B's news) and once per pair;
 * - the time budget: detection (the last `heal` event) + 2 RTT (from the
 *   latency model's mean) + the wall time to apply the larger delta;
 * - two fresh nodes holding the two end states (the "pair" case), against
 *   y-protocols sync step 1/2 (Yjs) and two automerge-repo Repos over a
 *   MessageChannel (Automerge) on the same two states.
 *
 * Virtual times, bytes and rounds are deterministic per seed; wall times are not.
 */
import type { BackendName } from '../../crdt/backend.ts'
import { replicationBytes } from '../harness/frame-tally.ts'
import { median } from '../harness/measure.ts'
import {
  type Benchmark,
  type BenchOptions,
  type BenchResult,
  rowsFor,
  type Target,
} from '../harness/result.ts'
import { loadEdits } from '../harness/trace.ts'
import {
  automergeMinimalDelta,
  automergeRepoExchange,
  type MinimalDelta,
  type PeerExchange,
  yjsMinimalDelta,
  yProtocolsExchange,
} from './heal-peers.ts'
import {
  type HealRun,
  LATENCY_MS,
  type Reconciliation,
  runHeal,
  runPair,
  SIDE_A,
  SIDE_B,
} from './heal-sim.ts'
import { buildPreload, type Preload } from './heal-workload.ts'

const BENCH = 'heal-convergence'
/** --quick: the first this many edits of the trace, and K = 100 only. */
const QUICK_TRACE_EDITS = 20_000
const KEYSTROKES = { full: [100, 10_000], quick: [100] }
const SEED = 1
/** Rounds of the pair run and its peer; the median wall time is reported. */
const PAIR_ROUNDS = 3
/** The origin the preload's dot carries: as if n1 had written it and it had replicated. */
const PRELOAD_ORIGIN = 'n1'
/** BENCHMARKS.md #2: bytes ≤ 1.1× the missing delta + 1 KiB. */
const DELTA_FACTOR = 1.1
const DELTA_SLACK_BYTES = 1024
/** Every target here is "value ≤ budget". */
const withinBudget: Target = { cmp: '<=', ratio: 1 }
/** One RTT: twice the mean one-way latency of the simulated network. */
const rttMs = LATENCY_MS[0] + LATENCY_MS[1]

const r = rowsFor(BENCH)

function deltaBudget(bytes: number): number {
  return DELTA_FACTOR * bytes + DELTA_SLACK_BYTES
}

/** Rows of the 5-node split-and-heal run. */
function healRows(caseName: string, run: HealRun, delta: MinimalDelta): BenchResult[] {
  const applyMs = Math.max(delta.applyToAMs, delta.applyToBMs)
  const budgetMs = (run.detectionMs ?? Number.NaN) + 2 * rttMs + applyMs
  const timeBudget = { name: 'detection + 2 RTT + apply', value: budgetMs }
  const perReceiver = SIDE_A.length * delta.toABytes + SIDE_B.length * delta.toBBytes
  const pairwise = delta.toABytes + delta.toBBytes
  const bytes = replicationBytes(run.tally)
  const rows = [
    r(
      caseName,
      'heal → all values+vectors equal',
      run.convergedMs ?? Number.NaN,
      'ms',
      timeBudget,
      withinBudget,
    ),
    r(caseName, 'heal → last converged event', run.lastConvergedEventMs ?? Number.NaN, 'ms', timeBudget),
    r(caseName, 'detection (last heal event)', run.detectionMs ?? Number.NaN, 'ms'),
    r(caseName, 'apply cost of the larger delta', applyMs, 'ms'),
    r(caseName, 'sync rounds (messages)', run.syncRounds, 'count'),
    r(
      caseName,
      'replication bytes',
      bytes,
      'B',
      { name: '1.1× per-replica delta + 1 KiB', value: deltaBudget(perReceiver) },
      withinBudget,
    ),
    r(caseName, 'replication bytes', bytes, 'B', {
      name: 'per-replica delta (3·A→B + 2·B→A)',
      value: perReceiver,
    }),
    r(caseName, 'replication bytes', bytes, 'B', { name: 'pairwise delta (A→B + B→A)', value: pairwise }),
    r(caseName, 'sync payload bytes', run.tally.syncPayloadBytes, 'B', {
      name: 'per-replica delta',
      value: perReceiver,
    }),
    r(caseName, 'sync frames', run.tally.frames.sync, 'count'),
    r(caseName, 'vectors frames bytes', run.tally.bytes.vectors, 'B'),
    r(caseName, 'heartbeat bytes (same window)', run.tally.bytes.heartbeat, 'B'),
    r(caseName, 'reconciliation wall time (5 nodes, 1 thread)', run.convergedWallMs ?? Number.NaN, 'ms'),
  ]
  return rows
}

/** Rows of the two-node first-contact run, against the peer protocol on the same two states. */
function pairRows(
  caseName: string,
  backend: BackendName,
  pair: Reconciliation,
  delta: MinimalDelta,
  peer: PeerExchange,
): BenchResult[] {
  const pairwise = delta.toABytes + delta.toBBytes
  const peerName = backend === 'yjs' ? 'y-protocols step 1/2' : 'automerge-repo'
  const bytes = replicationBytes(pair.tally)
  return [
    r(
      caseName,
      'replication bytes',
      bytes,
      'B',
      { name: '1.1× pairwise delta + 1 KiB', value: deltaBudget(pairwise) },
      withinBudget,
    ),
    r(caseName, 'replication bytes', bytes, 'B', { name: peerName, value: peer.bytes }),
    r(caseName, 'sync payload bytes', pair.tally.syncPayloadBytes, 'B', {
      name: `${peerName} payload`,
      value: peer.payloadBytes,
    }),
    r(caseName, 'sync rounds (messages)', pair.syncRounds, 'count', {
      name: `${peerName} messages`,
      value: peer.messages,
    }),
    r(caseName, 'first contact → values+vectors equal', pair.convergedMs ?? Number.NaN, 'ms'),
    r(
      caseName,
      'wall time to converge (2 nodes)',
      pair.convergedWallMs ?? Number.NaN,
      'ms',
      { name: peerName, value: peer.wallMs },
      withinBudget,
    ),
    r(`${backend} ${peerName}`, 'bytes', peer.bytes, 'B', { name: 'pairwise delta', value: pairwise }),
    r(`${backend} ${peerName}`, 'wall time to converge', peer.wallMs, 'ms'),
  ]
}

function minimalDelta(preload: Preload, run: HealRun): MinimalDelta {
  return preload.backend === 'yjs'
    ? yjsMinimalDelta(run.sideA, run.sideB)
    : automergeMinimalDelta(run.sideA, run.sideB, preload.snapshot)
}

/**
 * The pair run and the peer exchange, interleaved for PAIR_ROUNDS rounds so
 * machine noise falls on both alike. Bytes, rounds and virtual times are the
 * same every round (deterministic); wall times are each one's median round.
 */
async function pairAndPeer(backend: BackendName, run: HealRun) {
  const pairs: Reconciliation[] = []
  const peers: PeerExchange[] = []
  for (let round = 0; round < PAIR_ROUNDS; round++) {
    pairs.push(await runPair(backend, run.sideA, run.sideB, SEED))
    peers.push(
      backend === 'yjs'
        ? yProtocolsExchange(run.sideA, run.sideB)
        : await automergeRepoExchange(run.sideA, run.sideB),
    )
  }
  const pair = pairs[0] as Reconciliation
  const peer = peers[0] as PeerExchange
  return {
    pair: { ...pair, convergedWallMs: median(pairs.map((p) => p.convergedWallMs ?? Number.NaN)) },
    peer: { ...peer, wallMs: median(peers.map((p) => p.wallMs)) },
  }
}

async function runCase(
  preload: Preload,
  keystrokes: number,
  log: BenchOptions['log'],
): Promise<BenchResult[]> {
  const backend = preload.backend
  const caseName = `${backend} K=${keystrokes}`
  log(`${caseName}: 5 nodes split 2|3, ${keystrokes} keystrokes a side, heal`)
  const run = await runHeal(preload, keystrokes, SEED)
  log(`${caseName}: typing took ${(run.editWallMs / 1000).toFixed(1)} s wall; minimal delta and apply cost`)
  const delta = minimalDelta(preload, run)
  log(`${caseName}: two fresh nodes with the two end states, and the peer protocol, ${PAIR_ROUNDS} rounds`)
  const { pair, peer } = await pairAndPeer(backend, run)
  return [
    r(caseName, 'delta B→A (what side A lacks)', delta.toABytes, 'B'),
    r(caseName, 'delta A→B (what side B lacks)', delta.toBBytes, 'B'),
    // Automerge 3's sync ships the whole (compressed) document to a peer it has no shared heads with.
    r(caseName, 'whole document at heal (side A)', run.sideA.snapshot.length, 'B'),
    ...healRows(`${caseName} 5 nodes`, run, delta),
    ...pairRows(`${caseName} pair`, backend, pair, delta, peer),
  ]
}

async function run({ quick, log }: BenchOptions): Promise<BenchResult[]> {
  const edits = loadEdits('automerge-paper')
  const used = quick ? edits.slice(0, QUICK_TRACE_EDITS) : edits
  const rows: BenchResult[] = []
  for (const backend of ['yjs', 'automerge'] as const) {
    log(`${backend}: preloading ${used.length} trace edits through one backend`)
    const preload = buildPreload(backend, used, PRELOAD_ORIGIN)
    log(`${backend}: preload ${preload.snapshot.length} B in ${(preload.buildMs / 1000).toFixed(1)} s`)
    rows.push(r(`${backend} preload`, 'document bytes', preload.snapshot.length, 'B'))
    for (const k of quick ? KEYSTROKES.quick : KEYSTROKES.full) rows.push(...(await runCase(preload, k, log)))
  }
  return rows
}

export const healConvergence: Benchmark = { id: 2, name: BENCH, run }
