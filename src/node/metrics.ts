/**
 * A node's metrics. The node records what happens here (frames, drops, sync
 * rounds, suspicions, divergence, and what each peer last said it holds);
 * `snapshot()` reads it as a plain object (`node.metrics()`), and a prom-client
 * Registry renders it as Prometheus text (`node.metricsText()`, `/metrics`).
 *
 * The Registry is this node's own, never prom-client's global one: several
 * nodes in one process (tests, the simulator, an embedding program) must
 * neither share nor clash over metric names. Every prom-client metric reads
 * this state when scraped (`collect`), so the two views can never disagree.
 */
import { Counter, Gauge, Registry } from 'prom-client'
import type { VersionVector } from '../../store/store.ts'
import { type ClusterView, MEMBERS_KNOWN_MAX } from '../membership/membership.ts'
import { distance } from '../sync/version-vector.ts'
import type { Degradation } from './degradation.ts'
import { vectorsDigest } from './digest.ts'

/**
 * Replication and failure counters (`count(name)`), each in `metrics()` under
 * its name and in Prometheus as `isthmus_<snake_name>_total`, with its help.
 */
export const REPLICATION_COUNTERS: Record<string, string> = {
  docErrors: 'Documents that could not be reconciled (one name, two backends); the others carry on.',
  storeErrors: 'Store failures outside a change (members, sync state), reported as error events.',
  internalErrors: 'Failures of this node that no caller saw, reported as error events.',
  sendsRefused: 'Sends a full link refused; kept and sent again on a later tick.',
  resends: 'Sync conversations restarted after a silent round-trip timeout.',
  pullsAbandoned: 'Pulls given up after their resends ran out (another peer or a later exchange takes over).',
  antiEntropyRounds: 'Content summaries sent on a stable content mismatch.',
  falseClaims: 'Peer claims of my own dots beyond what I issued (a liar, or my own lost state).',
  startFramesDropped: 'Frames that arrived while the node started, dropped past the bound (peers resynced).',
}

/** `isthmus_degradation_level`'s value per level: higher is worse, so alerts can use `> 0`. */
export const DEGRADATION_LEVEL_VALUES = { full: 0, degraded: 1, minimal: 2 } as const

/** What the node is now, read when metrics are taken. */
export interface MetricsSource {
  nowMs: number
  view: ClusterView | undefined
  docs: Array<{ name: string; vector: VersionVector }>
  /** The transport's own drop counters, when it keeps them (libp2p does). */
  transportDropped: Record<string, number> | undefined
  /** The node's degradation (absent: reported as full). */
  degradation?: Degradation
}

/** Per origin, batches missing on each side, as in the `diverged` event. */
interface Divergence {
  missingHere: Record<string, number>
  missingThere: Record<string, number>
}

/** What one peer last told us about what it holds. */
interface PeerHolding {
  /** The vectors digest of its latest heartbeat. */
  digest: number | undefined
  /** When its digest last equalled ours (undefined: never since we first heard it). */
  inSyncAtMs: number | undefined
  firstHeardMs: number
  /**
   * Its per-document vectors: ours when its digest last matched (equal digests,
   * equal vectors), then its `vectors` and `sync` frames since.
   */
  vectors: Map<string, VersionVector>
  /** Our digest when `vectors` was last copied from ours, so a steady state copies nothing. */
  copiedDigest: number | undefined
  /** From the latest `diverged` event, until `converged`. */
  divergence: Divergence | undefined
}

/** Replication lag of one peer: what it lacks of what we hold, and for how long. */
export interface PeerLag {
  dots: number
  ms: number
}

export class NodeMetrics {
  bytesIn = 0
  bytesOut = 0
  framesIn = 0
  framesOut = 0
  suspicions = 0
  divergedEvents = 0
  convergedEvents = 0
  readonly framesDropped: Record<string, number> = {}
  readonly counters: Record<string, number> = {}
  /** The node's own registry (see the file comment); `/metrics` serves it. */
  readonly registry = new Registry()
  readonly #peers = new Map<string, PeerHolding>()
  readonly #source: () => MetricsSource
  readonly #docs: () => MetricsSource['docs']

  /**
   * `docs` reads only the documents: `heartbeat` needs them on every matching
   * digest, and the whole source (the membership view, phi of every member)
   * there cost O(members) per heartbeat received, O(n³) a second over a cluster.
   */
  constructor(source: () => MetricsSource, docs: () => MetricsSource['docs'] = () => source().docs) {
    this.#source = source
    this.#docs = docs
    this.#register()
  }

  received(bytes: number): void {
    this.framesIn++
    this.bytesIn += bytes
  }

  sent(bytes: number): void {
    this.framesOut++
    this.bytesOut += bytes
  }

  dropped(reason: string): void {
    this.framesDropped[reason] = (this.framesDropped[reason] ?? 0) + 1
  }

  count(name: string, value: number): void {
    this.counters[name] = (this.counters[name] ?? 0) + value
  }

  /** A heartbeat from `peer` carried `digest`; `ours` is our digest as it arrived. */
  heartbeat(peer: string, digest: number, ours: number, nowMs: number): void {
    const holding = this.#peer(peer, nowMs)
    if (!holding) return
    holding.digest = digest
    if (digest !== ours) return
    holding.inSyncAtMs = nowMs
    if (holding.copiedDigest !== ours) {
      holding.copiedDigest = ours
      holding.vectors = new Map(this.#docs().map((d) => [d.name, { ...d.vector }]))
    }
  }

  /** `peer` told us its vector of `doc` (a `sync` frame), or of all its documents (`vectors`, `all`). */
  peerVectors(
    peer: string,
    docs: Array<{ name: string; vector: VersionVector }>,
    all: boolean,
    nowMs: number,
  ) {
    const holding = this.#peer(peer, nowMs)
    if (!holding) return
    if (all) holding.vectors.clear()
    for (const d of docs) holding.vectors.set(d.name, d.vector)
    holding.copiedDigest = undefined
  }

  diverged(peer: string, divergence: Divergence, nowMs: number): void {
    this.divergedEvents++
    const holding = this.#peer(peer, nowMs)
    if (holding) holding.divergence = divergence
  }

  converged(peer: string): void {
    this.convergedEvents++
    const holding = this.#peers.get(peer)
    if (holding) holding.divergence = undefined
  }

  /** The node's metrics as a plain object (`node.metrics()`). */
  snapshot(): Record<string, unknown> {
    const source = this.#source()
    return {
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      framesIn: this.framesIn,
      framesOut: this.framesOut,
      framesDropped: { ...this.framesDropped },
      transportFramesDropped: { ...source.transportDropped },
      suspicions: this.suspicions,
      syncRounds: this.counters.syncRounds ?? 0,
      resyncs: this.counters.resyncs ?? 0,
      storeRecordsLost: this.counters.storeRecordsLost ?? 0,
      storeWriteFailures: this.counters.storeWriteFailures ?? 0,
      ...Object.fromEntries(
        Object.keys(REPLICATION_COUNTERS).map((name) => [name, this.counters[name] ?? 0]),
      ),
      diverged: this.divergedEvents,
      converged: this.convergedEvents,
      divergence: Object.fromEntries(
        [...this.#peers].flatMap(([peer, h]) =>
          h.divergence ? [[peer, structuredClone(h.divergence)]] : [],
        ),
      ),
      docs: source.docs.length,
      phi: Object.fromEntries((source.view?.members ?? []).map((m) => [m.id, m.phi])),
      replicationLag: Object.fromEntries(this.#lags(source)),
      degradation: source.degradation ?? { level: 'full', reasons: [] },
    }
  }

  /** Prometheus text exposition, every sample labelled with `node`. */
  prometheus(node: string): Promise<string> {
    this.registry.setDefaultLabels({ node })
    return this.registry.metrics()
  }

  /** Per known peer: batches it lacks of ours (0 when its last digest equals ours) and since when. */
  #lags(source: MetricsSource): Array<[string, PeerLag]> {
    const ours = vectorsDigest(source.docs)
    return [...this.#peers].map(([peer, holding]) => {
      if (holding.digest === ours) return [peer, { dots: 0, ms: 0 }]
      let dots = 0
      for (const doc of source.docs) dots += distance(holding.vectors.get(doc.name) ?? {}, doc.vector)
      const sinceMs = holding.inSyncAtMs ?? holding.firstHeardMs
      return [peer, { dots, ms: Math.max(0, source.nowMs - sinceMs) }]
    })
  }

  // Peers tracked are bounded like the membership: the map cannot outgrow the cluster.
  #peer(peer: string, nowMs: number): PeerHolding | undefined {
    let holding = this.#peers.get(peer)
    if (!holding && this.#peers.size < MEMBERS_KNOWN_MAX) {
      holding = {
        digest: undefined,
        inSyncAtMs: undefined,
        firstHeardMs: nowMs,
        vectors: new Map(),
        copiedDigest: undefined,
        divergence: undefined,
      }
      this.#peers.set(peer, holding)
    }
    return holding
  }

  #register(): void {
    const registers = [this.registry]
    const total = (name: string, help: string, read: () => number) =>
      mirrorCounter(registers, name, help, [], () => [[{}, read()]])
    total('isthmus_bytes_in_total', 'Frame bytes received from peers.', () => this.bytesIn)
    total('isthmus_bytes_out_total', 'Frame bytes sent to peers.', () => this.bytesOut)
    total('isthmus_frames_in_total', 'Frames received from peers.', () => this.framesIn)
    total('isthmus_frames_out_total', 'Frames sent to peers.', () => this.framesOut)
    total('isthmus_sync_rounds_total', 'Sync messages sent (Yjs or Automerge sync).', () => {
      return this.counters.syncRounds ?? 0
    })
    total('isthmus_resyncs_total', 'Peers resynced from vectors after their queue overflowed.', () => {
      return this.counters.resyncs ?? 0
    })
    total('isthmus_suspicions_total', 'Times a peer stopped being alive.', () => this.suspicions)
    total(
      'isthmus_store_records_lost_total',
      'Stored records found damaged or unreadable on open (their content is fetched from peers).',
      () => this.counters.storeRecordsLost ?? 0,
    )
    total(
      'isthmus_store_write_failures_total',
      'Store writes that failed (each is retried, in order).',
      () => this.counters.storeWriteFailures ?? 0,
    )
    for (const [name, help] of Object.entries(REPLICATION_COUNTERS)) {
      const snake = name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)
      total(`isthmus_${snake}_total`, help, () => this.counters[name] ?? 0)
    }
    total('isthmus_diverged_total', 'Diverged events (both sides lacked changes).', () => {
      return this.divergedEvents
    })
    total('isthmus_converged_total', 'Converged events.', () => this.convergedEvents)
    mirrorCounter(registers, 'isthmus_frames_dropped_total', 'Frames the node dropped.', ['reason'], () =>
      Object.entries(this.framesDropped).map(([reason, n]) => [{ reason }, n]),
    )
    mirrorCounter(
      registers,
      'isthmus_transport_frames_dropped_total',
      'Frames the transport dropped, by reason.',
      ['reason'],
      () => Object.entries(this.#source().transportDropped ?? {}).map(([reason, n]) => [{ reason }, n]),
    )
    this.#registerGauges(registers)
  }

  #registerGauges(registers: Registry[]): void {
    const source = () => this.#source()
    gauge(registers, 'isthmus_phi', 'Phi-accrual suspicion of each peer.', ['peer'], () =>
      (source().view?.members ?? []).map((m) => [{ peer: m.id }, Number.isFinite(m.phi) ? m.phi : 1e9]),
    )
    gauge(registers, 'isthmus_members', 'Known members by status, self included.', ['status'], () => {
      const counts: Record<string, number> = { alive: 1, suspect: 0, dead: 0 }
      for (const m of source().view?.members ?? []) counts[m.status] = (counts[m.status] ?? 0) + 1
      return Object.entries(counts).map(([status, n]) => [{ status }, n])
    })
    gauge(registers, 'isthmus_partitioned', '1 while some known member is unreachable.', [], () => [
      [{}, source().view?.partitioned ? 1 : 0],
    ])
    gauge(registers, 'isthmus_documents', 'Documents held.', [], () => [[{}, source().docs.length]])
    gauge(registers, 'isthmus_degradation_level', 'Degradation: 0 full, 1 degraded, 2 minimal.', [], () => [
      [{}, DEGRADATION_LEVEL_VALUES[source().degradation?.level ?? 'full']],
    ])
    gauge(
      registers,
      'isthmus_divergence_dots',
      'Per peer, batches missing since it diverged.',
      ['peer', 'side'],
      () =>
        [...this.#peers].flatMap(([peer, h]) =>
          h.divergence
            ? [
                [{ peer, side: 'here' }, sum(h.divergence.missingHere)],
                [{ peer, side: 'there' }, sum(h.divergence.missingThere)],
              ]
            : [],
        ),
    )
    const lags = () => this.#lags(source())
    gauge(
      registers,
      'isthmus_replication_lag_dots',
      'Per peer, change batches held here it lacks.',
      ['peer'],
      () => lags().map(([peer, lag]) => [{ peer }, lag.dots]),
    )
    gauge(
      registers,
      'isthmus_replication_lag_seconds',
      'Per peer, time since its vectors last matched ours.',
      ['peer'],
      () => lags().map(([peer, lag]) => [{ peer }, lag.ms / 1000]),
    )
  }
}

type Samples = Array<[Record<string, string>, number]>

/**
 * A counter whose value is read from the node's state at scrape time. prom-client
 * counters have no `set`: reset then `inc` inside `collect`, which runs
 * synchronously before the registry reads the values, so no scrape sees the gap.
 */
function mirrorCounter(
  registers: Registry[],
  name: string,
  help: string,
  labelNames: string[],
  read: () => Samples,
) {
  return new Counter({
    name,
    help,
    labelNames,
    registers,
    collect() {
      this.reset()
      for (const [labels, value] of read()) this.inc(labels, value)
    },
  })
}

/** A gauge set from the node's state at scrape time. */
function gauge(registers: Registry[], name: string, help: string, labelNames: string[], read: () => Samples) {
  return new Gauge({
    name,
    help,
    labelNames,
    registers,
    collect() {
      this.reset()
      for (const [labels, value] of read()) this.set(labels, value)
    },
  })
}

function sum(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0)
}
