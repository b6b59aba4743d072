/**
 * Who is in the cluster and who can reach whom. Every `heartbeatMs` a node
 * sends each member a heartbeat carrying the members it knows and its own
 * view of each (alive/suspect/dead). A phi-accrual detector per peer turns
 * arrival times into suspicion; the gossiped views tell "C crashed" (nobody
 * reaches C) from "I am cut off from C" (someone I hear still hears C).
 *
 * Peer status, one table, evaluated on every tick of the injected clock:
 *
 *   alive    phi below the threshold: I hear it directly.
 *   suspect  phi at or above the threshold, or for less than deadAfterMs,
 *            or some peer I hear still reports it alive: unreachable from
 *            me, maybe alive.
 *   dead     silent to me for deadAfterMs and no peer I hear reports it
 *            alive: as far as my side can tell, it is down.
 *
 * A heartbeat from a suspect or dead peer makes it alive again.
 *
 * `forget(id)` removes a member for good (a replaced node that will not come
 * back): its vote leaves the majority count, and its id is kept in a
 * tombstone set so that neither gossip nor a stray connection brings it back.
 */
import type { Env } from '../env/types.ts'
import { ID_PATTERN } from '../ids.ts'
import type { HeartbeatFrame, Reachability } from './heartbeat-frame.ts'
import { PhiAccrualDetector } from './phi-accrual.ts'
import { countVotes, type QuorumView } from './quorum.ts'

export interface MembershipOptions {
  heartbeatMs: number
  phiThreshold: number
  minStdDeviationMs: number
  acceptablePauseMs: number
  /** Unreachable (to me and to every peer I hear) for this long: dead. */
  deadAfterMs: number
}

export interface MemberView {
  id: string
  status: Reachability
  phi: number
  /** Milliseconds since I last heard it directly; -1 if never. */
  lastHeardMs: number
}

export interface ClusterView {
  self: string
  members: MemberView[]
  /** Members I hear directly, and myself. */
  reachable: string[]
  /** Some known member is unreachable from here. */
  partitioned: boolean
  /** My reachable set is a strict majority of the known membership. */
  majority: boolean
}

/**
 * A peer votes (quorum.ts) while its latest heartbeat is at most this many
 * intervals old: one heartbeat lost or late still votes; the work layer's
 * lease margin (src/work/leases.ts) must cover this window.
 */
export const VOTE_FRESH_HEARTBEATS = 1.5

/** Members remembered: full-mesh heartbeats are for clusters of up to ~50 nodes; this is a hard stop. */
export const MEMBERS_KNOWN_MAX = 1024

interface Peer {
  detector: PhiAccrualDetector
  status: Reachability
  /** When it first stopped being alive (for deadAfterMs). */
  unreachableSinceMs: number | undefined
  /**
   * Its latest gossiped view of every member, as its heartbeat listed it. Kept
   * as decoded: a Map built from each heartbeat (n a tick, n entries each) was
   * the largest cost of a 100-node cluster, and only the tick reads it.
   */
  reports: HeartbeatFrame['reach']
  lastHeartbeatSeq: number
  /** Where it can be dialed: what it said itself, else what others said. */
  addresses: string[]
}

/**
 * Forgotten ids remembered (persisted with the members). Past the bound the
 * oldest tombstone goes: an id forgotten that long ago has long left every
 * peer's gossip too.
 */
export const FORGOTTEN_MAX = 1024

/** A member and where it can be dialed, as remembered across restarts. */
export interface KnownMember {
  id: string
  addresses: string[]
}

/** Addresses kept per member (see ADDRESSES_PER_MEMBER_MAX on the wire). */
export const ADDRESSES_KEPT_MAX = 8

export interface MembershipEvents {
  member(view: MemberView): void
  partition(view: ClusterView): void
  heal(view: ClusterView): void
  membersChanged(members: KnownMember[]): void
}

export class Membership {
  readonly self: string
  readonly #env: Env
  readonly #options: MembershipOptions
  readonly #events: MembershipEvents
  readonly #peers = new Map<string, Peer>()
  /** Tombstones (insertion order: the oldest go first past FORGOTTEN_MAX). */
  readonly #forgotten = new Set<string>()
  readonly #startedMs: number
  #partitioned = false

  constructor(
    self: string,
    env: Env,
    options: MembershipOptions,
    events: MembershipEvents,
    members: KnownMember[],
    forgotten: readonly string[] = [],
  ) {
    this.self = self
    this.#env = env
    this.#options = options
    this.#events = events
    this.#startedMs = env.clock.now()
    for (const id of forgotten.slice(-FORGOTTEN_MAX)) this.#forgotten.add(id)
    for (const m of members) {
      this.#know(m.id)
      this.#learnAddresses(m.id, m.addresses, false)
    }
    // Start from the current truth (members configured but not heard yet: partitioned)
    // so the first tick does not announce a partition that is only start-up.
    this.#partitioned = this.view().partitioned
  }

  /** Every known member, self included, sorted. */
  members(): string[] {
    return [this.self, ...this.#peers.keys()].sort()
  }

  /** Ids forgotten for good, oldest first. */
  forgotten(): string[] {
    return [...this.#forgotten]
  }

  /**
   * Removes `id` for good: it no longer counts toward the majority or the
   * partition, and gossip or contact never bring it back. Returns false if it
   * is self (a node cannot forget itself) or forgotten already.
   */
  forget(id: string): boolean {
    if (id === this.self || this.#forgotten.has(id)) return false
    if (this.#forgotten.size >= FORGOTTEN_MAX)
      this.#forgotten.delete(this.#forgotten.values().next().value as string)
    this.#forgotten.add(id)
    this.#peers.delete(id)
    this.#events.membersChanged(this.known())
    this.#checkPartition()
    return true
  }

  /** Every known member other than self, with its addresses. */
  known(): KnownMember[] {
    return [...this.#peers].map(([id, p]) => ({ id, addresses: [...p.addresses] }))
  }

  /**
   * A connection to `id` is up: that is evidence it is alive, as good as a
   * heartbeat, so a join does not look like a partition until the first
   * heartbeat arrives.
   */
  contact(id: string): void {
    if (id === this.self) return
    if (this.#know(id)) this.#events.membersChanged(this.known())
    const peer = this.#peers.get(id)
    if (!peer) return
    const now = this.#env.clock.now()
    this.#heard(peer, now)
    this.#markAlive(id, peer, now)
  }

  /**
   * Feeds the detector. A peer that was not alive comes back with a fresh
   * detector (as Akka does for a new incarnation): its silence was an outage,
   * not a heartbeat interval, and kept in the window it would slow the
   * detection of its next failure for hundreds of heartbeats.
   */
  #heard(peer: Peer, now: number): void {
    if (peer.status !== 'alive') {
      peer.detector = new PhiAccrualDetector(this.#options)
      // What it said before the outage is no vote now (quorum.ts): its next heartbeat speaks again.
      peer.reports = []
    }
    peer.detector.heartbeat(now)
  }

  /** The heartbeat to send now (the node adds the digest and seq). */
  heartbeatBody(selfAddresses: string[]): Pick<HeartbeatFrame, 'members' | 'reach'> {
    const reach: HeartbeatFrame['reach'] = []
    const members: HeartbeatFrame['members'] = [
      { id: this.self, addresses: selfAddresses.slice(0, ADDRESSES_KEPT_MAX) },
    ]
    for (const [id, p] of this.#peers) {
      reach.push({ peer: id, status: p.status })
      // Not copied, unlike known(): #learnAddresses replaces a member's array, never changes it.
      members.push({ id, addresses: p.addresses })
    }
    return { members, reach }
  }

  #learnAddresses(id: string, addresses: string[], ownWord: boolean): boolean {
    const peer = this.#peers.get(id)
    if (!peer || addresses.length === 0) return false
    // A member's own word about its addresses wins; hearsay only fills a gap.
    if (!ownWord && peer.addresses.length > 0) return false
    const next = addresses.slice(0, ADDRESSES_KEPT_MAX)
    if (next.join('\n') === peer.addresses.join('\n')) return false
    peer.addresses = next
    return true
  }

  #markAlive(id: string, peer: Peer, now: number): void {
    if (peer.status === 'alive' || peer.detector.phi(now) >= this.#options.phiThreshold) return
    peer.status = 'alive'
    peer.unreachableSinceMs = undefined
    this.#events.member(this.#memberView(id, peer, now))
    this.#checkPartition()
  }

  /** A heartbeat arrived from `from`. */
  onHeartbeat(from: string, frame: HeartbeatFrame): void {
    if (from === this.self) return
    let changed = this.#know(from)
    const peer = this.#peers.get(from)
    if (!peer) return
    // A duplicated frame carries no timing information. Any other seq counts, even a lower one:
    // a restarted peer counts from 0 again, and a late heartbeat still proves it is alive.
    if (frame.seq === peer.lastHeartbeatSeq) return
    peer.lastHeartbeatSeq = frame.seq
    const now = this.#env.clock.now()
    this.#heard(peer, now)
    peer.reports = frame.reach
    for (const m of frame.members) {
      // Hearsay about a member already known with addresses teaches nothing (see #learnAddresses):
      // skip it in one lookup, as most of every heartbeat is exactly that.
      const known = this.#peers.get(m.id)
      if (known !== undefined && m.id !== from && known.addresses.length > 0) continue
      changed = this.#know(m.id) || changed
      changed = this.#learnAddresses(m.id, m.addresses, m.id === from) || changed
    }
    if (changed) this.#events.membersChanged(this.known())
    // Only the sender's own status can change on its heartbeat; the rest waits for the tick,
    // so a flood of heartbeats costs O(1) each, not O(members).
    this.#markAlive(from, peer, now)
  }

  /** Re-evaluates every peer's status and the partition state; call on every heartbeat tick. */
  tick(): void {
    const now = this.#env.clock.now()
    // Every verdict is reached before any status changes, so the gossip is read as this tick
    // found it; and only for the peers whose verdict hangs on it (silent past deadAfterMs).
    const verdicts: Array<[string, Peer, Reachability | undefined]> = []
    const askGossip = new Set<string>()
    for (const [id, peer] of this.#peers) {
      const own = this.#ownVerdict(peer, now)
      if (own === undefined) askGossip.add(id)
      verdicts.push([id, peer, own])
    }
    const reportedAlive = askGossip.size === 0 ? askGossip : this.#reportedAlive(askGossip)
    for (const [id, peer, own] of verdicts) {
      const next = own ?? (reportedAlive.has(id) ? 'suspect' : 'dead')
      if (next !== peer.status) {
        peer.status = next
        this.#events.member(this.#memberView(id, peer, now))
      }
    }
    this.#checkPartition()
  }

  #checkPartition(): void {
    // The view (phi of every member, sorted) is built only when the answer flips: this runs
    // on every tick, and view().partitioned is exactly "some peer is not alive".
    if (this.#anyPeerUnreachable() === this.#partitioned) return
    const view = this.view()
    this.#partitioned = view.partitioned
    if (view.partitioned) this.#events.partition(view)
    else this.#events.heal(view)
  }

  #anyPeerUnreachable(): boolean {
    for (const peer of this.#peers.values()) if (peer.status !== 'alive') return true
    return false
  }

  /**
   * Of the members `asked`, those some peer I hear directly reports alive.
   * Reading every report of every peer is O(members²) a tick: only the few
   * asked about are looked up, so most entries cost one failed lookup.
   */
  #reportedAlive(asked: ReadonlySet<string>): Set<string> {
    const out = new Set<string>()
    const answered = new Set<string>()
    for (const peer of this.#peers.values()) {
      if (peer.status !== 'alive') continue
      // A heartbeat names each member once; should one name a member twice, its last word counts.
      answered.clear()
      for (let i = peer.reports.length - 1; i >= 0; i--) {
        const { peer: id, status } = peer.reports[i] as HeartbeatFrame['reach'][number]
        if (!asked.has(id) || answered.has(id)) continue
        answered.add(id)
        if (status === 'alive') out.add(id)
      }
    }
    return out
  }

  view(): ClusterView {
    const now = this.#env.clock.now()
    const members = [...this.#peers].map(([id, p]) => this.#memberView(id, p, now))
    const reachable = [this.self, ...members.filter((m) => m.status === 'alive').map((m) => m.id)].sort()
    const total = members.length + 1
    return {
      self: this.self,
      members: members.sort((a, b) => (a.id < b.id ? -1 : 1)),
      reachable,
      partitioned: reachable.length < total,
      majority: reachable.length * 2 > total,
    }
  }

  /** Who hears me and whom a majority has lost, by the peers' latest heartbeats (quorum.ts). */
  quorum(): QuorumView {
    const now = this.#env.clock.now()
    const freshMs = this.#options.heartbeatMs * VOTE_FRESH_HEARTBEATS
    return countVotes(
      this.self,
      [...this.#peers].map(([id, p]) => {
        const last = p.detector.lastHeartbeatMs
        return {
          id,
          status: p.status,
          fresh: last !== undefined && now - last <= freshMs,
          reports: p.reports,
        }
      }),
    )
  }

  /** Peers I hear directly now. */
  alivePeers(): string[] {
    return [...this.#peers].filter(([, p]) => p.status === 'alive').map(([id]) => id)
  }

  /**
   * The status my own detector gives `peer`: alive, suspect, or undefined for
   * silent past deadAfterMs, where gossip decides (suspect if some peer I hear
   * reports it alive, else dead).
   */
  #ownVerdict(peer: Peer, now: number): Reachability | undefined {
    const phi = peer.detector.phi(now)
    const heard = peer.detector.lastHeartbeatMs !== undefined
    // Never heard since start: give it a full dead-after period before any verdict.
    const silentSince = peer.detector.lastHeartbeatMs ?? this.#startedMs
    if (heard && phi < this.#options.phiThreshold) {
      peer.unreachableSinceMs = undefined
      return 'alive'
    }
    peer.unreachableSinceMs ??= now
    return now - silentSince < this.#options.deadAfterMs ? 'suspect' : undefined
  }

  #memberView(id: string, peer: Peer, now: number): MemberView {
    const last = peer.detector.lastHeartbeatMs
    return {
      id,
      status: peer.status,
      phi: peer.detector.phi(now),
      lastHeardMs: last === undefined ? -1 : now - last,
    }
  }

  #know(id: string): boolean {
    if (id === this.self || this.#peers.has(id) || this.#peers.size >= MEMBERS_KNOWN_MAX) return false
    if (this.#forgotten.has(id)) return false // gone for good: gossip must not bring it back
    if (!ID_PATTERN.test(id)) return false // gossip from a confused or hostile peer
    this.#peers.set(id, {
      detector: new PhiAccrualDetector(this.#options),
      status: 'suspect',
      unreachableSinceMs: undefined,
      reports: [],
      lastHeartbeatSeq: -1,
      addresses: [],
    })
    return true
  }
}
