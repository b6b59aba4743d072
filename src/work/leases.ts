/**
 * Leases (DESIGN §4, Work): how long a claim outlives its node's loss of
 * contact, as two explicit state machines on the node's own clock (STYLE
 * habit 7), one for this node's own lease and one per peer.
 *
 * The safety argument, under `partitionPolicy: 'majority'`: when a node X
 * that runs a task is cut from the majority, X aborts its runs once it has
 * been on the minority side for the grace (leaseMs × LEASE_GRACE_FRACTION),
 * and a majority node Y claims X's tasks only once X has been unreachable in
 * Y's view for leaseMs. Both count from their own detection of the split,
 * which in a symmetric cut comes within a heartbeat or two of each other, so
 * X's run has stopped (leaseMs × (1 - LEASE_GRACE_FRACTION)) before Y's can
 * start: runs of one task never overlap while detection skew plus clock
 * drift stay under that margin. A pending task whose rendezvous owner is a
 * peer still inside its lease waits too: that peer may have claimed it just
 * before the cut, and its claim may not have reached this side.
 *
 * "The majority side" is counted in votes, not in this node's reachable set
 * (src/membership/quorum.ts): X holds its lease while a strict majority hears
 * it both ways, and Y takes X's tasks only once X has been unreachable in Y's
 * view for leaseMs and, for leaseMs × VOTED_LOST_FRACTION without a break,
 * a strict majority has reported X not alive. Two majorities share a member
 * whose latest word cannot be both; when that member's word flips, X loses
 * its vote within the vote window (VOTE_FRESH_HEARTBEATS heartbeats, plus
 * latency) and aborts after the grace, while Y waits leaseMs ×
 * VOTED_LOST_FRACTION from the flip: safe while the vote window plus clock
 * drift stays under leaseMs × (VOTED_LOST_FRACTION - LEASE_GRACE_FRACTION)
 * (375 ms + latency against 500 ms at the defaults). So it holds when reachability is
 * not transitive too: in a ring, a bridge or a one-way cut two nodes can each
 * hear a majority, but not one that hears X and one that has lost X (the
 * property in test/membership/quorum.test.ts; the simulator's no-overlap
 * checker over those faults in test/sim/work-property.test.ts).
 *
 * Under `'availability'` this node's lease is always held (both sides run),
 * and peers' leases still delay a takeover by leaseMs, so a flap of a
 * heartbeat or two does not duplicate work.
 */

/** This node's own lease. */
export type OwnLease = 'held' | 'grace' | 'lost' | 'rejoining'
/** What this node's view says about a peer's lease. */
export type PeerLease = 'reachable' | 'detected' | 'expired'

/** Inputs of the own-lease machine: what the view says, and the grace timer. */
export type OwnLeaseInput = 'majority' | 'minority' | 'graceElapsed' | 'holdElapsed'
/** Inputs of the peer-lease machine: the peer's status in the view, and the lease timer. */
export type PeerLeaseInput = 'alive' | 'unreachable' | 'leaseElapsed' | 'votesWithdrawn'

/**
 * The share of leaseMs a node without its votes keeps running: the rest is
 * the margin for the vote window, detection skew and clock drift (see the
 * file header). A quarter: a flap shorter than that (votes are lost only
 * when most peers miss heartbeats at once) costs nothing, and the margin
 * (0.75 × leaseMs) covers the vote window with room at the defaults.
 */
export const LEASE_GRACE_FRACTION = 0.25

/**
 * How long a majority must have reported a peer lost before its lease
 * expires here (besides leaseMs of this node's own detection): long enough
 * that the peer, which loses its votes within the vote window, is past its
 * grace; short enough that the votes, a heartbeat behind this node's own
 * detection in a crash, do not delay the takeover past detection + leaseMs.
 */
export const VOTED_LOST_FRACTION = 1 - LEASE_GRACE_FRACTION

/** Peers tracked at once: the membership's own bound (MEMBERS_KNOWN_MAX). */
export const PEER_LEASES_MAX = 1024

/** This node's lease, by state and input. */
export const OWN_LEASE_TRANSITIONS: Readonly<Record<OwnLease, Readonly<Record<OwnLeaseInput, OwnLease>>>> = {
  // On the majority side (or the policy is 'availability'): runs go on and claims may be made.
  held: { majority: 'held', minority: 'grace', graceElapsed: 'held', holdElapsed: 'held' },
  // On a minority side for less than the grace: runs go on, no claims; a short flap costs nothing
  // (the majority cannot have taken anything over yet: that takes leaseMs from its own detection).
  grace: { majority: 'held', minority: 'grace', graceElapsed: 'lost', holdElapsed: 'grace' },
  // On a minority side past the grace: every run here is aborted, no claims.
  lost: { majority: 'rejoining', minority: 'lost', graceElapsed: 'lost', holdElapsed: 'lost' },
  // Back on the majority side after a lost lease, or just started: no claims for leaseMs, so that the
  // board's takeovers made meanwhile reach this node before it resumes a stale claim of its own (an
  // equal epoch from both sides would be settled by node id, maybe against the run that should win).
  // Its cost at start: a task this node is the rendezvous owner of waits until leaseMs after the node
  // first saw a majority (1 s at defaults; a node restarted alone waits for a majority first);
  // peers past their own hold claim theirs at once (test/work/start-latency-sim.test.ts).
  rejoining: { majority: 'rejoining', minority: 'lost', graceElapsed: 'rejoining', holdElapsed: 'held' },
}

/** A peer's lease as this node sees it, by state and input. */
export const PEER_LEASE_TRANSITIONS: Readonly<
  Record<PeerLease, Readonly<Record<PeerLeaseInput, PeerLease>>>
> = {
  // Alive in this view: its claims stand.
  reachable: {
    alive: 'reachable',
    unreachable: 'detected',
    leaseElapsed: 'reachable',
    votesWithdrawn: 'reachable',
  },
  // Not alive here, or not lost by a majority, for less than leaseMs: it may still run under its
  // lease; its claims stand and it stays a candidate owner of pending tasks.
  detected: {
    alive: 'reachable',
    unreachable: 'detected',
    leaseElapsed: 'expired',
    votesWithdrawn: 'detected',
  },
  // Not alive here and lost by a majority, both for leaseMs or more: it has stopped its runs (or
  // is gone); its tasks may be taken over. Should a majority stop reporting it lost (it is heard
  // again, out of this node's sight), its lease may be held again: back to detected.
  expired: {
    alive: 'reachable',
    unreachable: 'expired',
    leaseElapsed: 'expired',
    votesWithdrawn: 'detected',
  },
}

/** When this node first saw a peer unreachable, and when it last heard it before that. */
export interface Detection {
  /** This node's clock when the peer stopped being alive in its view. */
  detectedAtMs: number
  /** This node's clock when it last heard the peer: the best local estimate of when it was lost. */
  lostAtMs: number
}

interface PeerEntry extends Detection {
  lease: PeerLease
  /** Since when a strict majority has reported it not alive, without a break (undefined: not now). */
  votedLostSinceMs: number | undefined
}

/** The parts of the node's view the leases read. */
export interface LeaseView {
  majority: boolean
  /**
   * A strict majority hears this node and is heard by it (src/membership/quorum.ts); when
   * given, it decides the own lease instead of `majority` (this node's reachable set alone).
   */
  heardByMajority?: boolean
  /**
   * Whether a strict majority reports a member not alive (src/membership/quorum.ts); when given,
   * a peer's lease expires only leaseMs after both this node lost it and a majority did.
   */
  lostByMajority?: (id: string) => boolean
  members: ReadonlyArray<{ id: string; status: 'alive' | 'suspect' | 'dead'; lastHeardMs: number }>
}

/** Both machines, fed the view and the clock; `nextDeadlineMs` says when a timer input is due. */
export class LeaseTracker {
  readonly #leaseMs: number
  readonly #policy: 'majority' | 'availability'
  #own: OwnLease = 'rejoining'
  #minoritySinceMs: number | undefined
  #rejoinSinceMs: number | undefined
  /** Rejoining, past the hold, waiting for the votes: no timer is due (each tick looks again). */
  #holdDone = false
  readonly #peers = new Map<string, PeerEntry>()

  constructor(init: { leaseMs: number; policy: 'majority' | 'availability' }) {
    this.#leaseMs = init.leaseMs
    this.#policy = init.policy
  }

  /** This node's lease now. */
  get own(): OwnLease {
    return this.#own
  }

  /** A peer's lease now (undefined: not a known member). */
  peer(id: string): PeerLease | undefined {
    return this.#peers.get(id)?.lease
  }

  /** Every known peer's lease. */
  peers(): ReadonlyMap<string, PeerLease> {
    return new Map([...this.#peers].map(([id, e]) => [id, e.lease]))
  }

  /** When this node detected `id` unreachable (undefined while it is reachable). */
  detection(id: string): Detection | undefined {
    const entry = this.#peers.get(id)
    return entry === undefined || entry.lease === 'reachable' ? undefined : entry
  }

  /** Feeds the view at `nowMs`; returns whether this node's lease changed. */
  observe(view: LeaseView, nowMs: number): boolean {
    const before = this.#own
    const available = this.#policy === 'availability'
    // Holding the lease takes votes: a majority that hears this node both ways. Rejoining only
    // waits for the board's news, so it starts as soon as this node hears a majority, and the
    // votes (a heartbeat later) are asked for when the hold ends.
    const voted = available || (view.heardByMajority ?? view.majority)
    const hears = available || view.majority
    const holding = this.#own === 'held' || this.#own === 'grace'
    let next = OWN_LEASE_TRANSITIONS[this.#own][(holding ? voted : hears) ? 'majority' : 'minority']
    if (next === 'grace' && this.#own !== 'grace') this.#minoritySinceMs = nowMs
    if (next === 'rejoining' && (this.#own !== 'rejoining' || this.#rejoinSinceMs === undefined))
      this.#rejoinSinceMs = nowMs
    if (next === 'grace' && nowMs - (this.#minoritySinceMs as number) >= this.#leaseMs * LEASE_GRACE_FRACTION)
      next = OWN_LEASE_TRANSITIONS[next].graceElapsed
    this.#holdDone = next === 'rejoining' && nowMs - (this.#rejoinSinceMs as number) >= this.#leaseMs
    if (this.#holdDone && voted) next = OWN_LEASE_TRANSITIONS[next].holdElapsed
    this.#own = next
    const seen = new Set<string>()
    for (const member of view.members) {
      seen.add(member.id)
      // Under 'availability' both sides take over anyway: no votes are asked.
      this.#observePeer(member, nowMs, available || (view.lostByMajority?.(member.id) ?? true))
    }
    for (const id of this.#peers.keys()) if (!seen.has(id)) this.#peers.delete(id)
    return before !== this.#own
  }

  /** The earliest time a timer input is due (grace or a peer's lease ending), or undefined. */
  nextDeadlineMs(): number | undefined {
    let next: number | undefined
    const consider = (ms: number): void => {
      if (next === undefined || ms < next) next = ms
    }
    if (this.#own === 'grace' && this.#minoritySinceMs !== undefined)
      consider(this.#minoritySinceMs + this.#leaseMs * LEASE_GRACE_FRACTION)
    if (this.#own === 'rejoining' && this.#rejoinSinceMs !== undefined && !this.#holdDone)
      consider(this.#rejoinSinceMs + this.#leaseMs)
    for (const entry of this.#peers.values())
      if (entry.lease === 'detected' && entry.votedLostSinceMs !== undefined)
        consider(
          Math.max(
            entry.detectedAtMs + this.#leaseMs,
            entry.votedLostSinceMs + this.#leaseMs * VOTED_LOST_FRACTION,
          ),
        )
    return next
  }

  #observePeer(member: LeaseView['members'][number], nowMs: number, votedLost: boolean): void {
    let entry = this.#peers.get(member.id)
    if (entry === undefined) {
      if (this.#peers.size >= PEER_LEASES_MAX) return
      entry = { lease: 'reachable', detectedAtMs: nowMs, lostAtMs: nowMs, votedLostSinceMs: undefined }
      this.#peers.set(member.id, entry)
    }
    const alive = member.status === 'alive'
    // The votes are read only while this node has lost it too (what expires a lease is both).
    entry.votedLostSinceMs = !alive && votedLost ? (entry.votedLostSinceMs ?? nowMs) : undefined
    let next = PEER_LEASE_TRANSITIONS[entry.lease][alive ? 'alive' : 'unreachable']
    if (!alive && !votedLost) next = PEER_LEASE_TRANSITIONS[next].votesWithdrawn
    if (entry.lease === 'reachable' && next === 'detected') {
      entry.detectedAtMs = nowMs
      // lastHeardMs is "ms since last heard", -1 for never: then the detection is the best estimate.
      entry.lostAtMs = member.lastHeardMs >= 0 ? nowMs - member.lastHeardMs : nowMs
    }
    entry.lease = next
    const votedMs = entry.votedLostSinceMs
    if (
      entry.lease === 'detected' &&
      votedMs !== undefined &&
      nowMs - entry.detectedAtMs >= this.#leaseMs &&
      nowMs - votedMs >= this.#leaseMs * VOTED_LOST_FRACTION
    )
      entry.lease = PEER_LEASE_TRANSITIONS[entry.lease].leaseElapsed
  }
}
