/**
 * Who vouches for whom, from the heartbeats' gossip: the membership's answer
 * to "does a majority hear me?" and "has a majority lost X?". Reachability
 * need not be transitive (a ring, a bridge, a one-way cut): two nodes may
 * each hear a majority at once, so a node's own reachable set cannot tell it
 * that it still holds a lease, or that a peer's lease is over. Votes can:
 *
 * Only peers I hear, by a heartbeat of the last VOTE_FRESH_HEARTBEATS
 * intervals, vote:
 *
 *   heard by    a peer I hear whose latest heartbeat reports me alive: it
 *               hears me, and I hear it (both ways, so a one-way cut counts
 *               neither side).
 *   lost by     me, if `id` is not alive in my view; and each peer I hear
 *               whose latest heartbeat reports `id` as not alive.
 *
 * Any two strict majorities of the membership share a member, and that
 * member's latest report cannot say both "I hear X" and "I have lost X": so
 * while a majority hears X, no majority has lost X. The work layer's leases
 * (src/work/leases.ts) stand on exactly this.
 */
import type { HeartbeatFrame, Reachability } from './heartbeat-frame.ts'

/** One peer as the votes read it: whether I hear it now, and its latest gossiped view. */
export interface VotingPeer {
  id: string
  status: Reachability
  /**
   * Its latest heartbeat is recent enough to vote with (membership.ts: within
   * VOTE_FRESH_HEARTBEATS intervals). Phi keeps a silent peer alive for a second
   * or two, and a report that old may speak of another partition.
   */
  fresh: boolean
  reports: HeartbeatFrame['reach']
}

/** The votes of the members I hear, counted against the whole known membership. */
export interface QuorumView {
  /** Known members, self included: what a strict majority is counted against. */
  total: number
  /** Peers I hear that report hearing me, sorted. */
  heardBy: string[]
  /** Whether a strict majority of the membership (self included) is heard both ways here. */
  heardByMajority: boolean
  /** Whether a strict majority (me and the peers I hear) reports `id` as not alive. */
  lostByMajority(id: string): boolean
}

/** The votes, from the peers as they stand now. */
export function countVotes(self: string, peers: readonly VotingPeer[]): QuorumView {
  const total = peers.length + 1
  // Voters: peers I hear now, by a recent heartbeat.
  const alive = peers.filter((p) => p.status === 'alive' && p.fresh)
  const heardBy = alive
    .filter((p) => reportOf(p, self) === 'alive')
    .map((p) => p.id)
    .sort()
  const own = new Map(peers.map((p) => [p.id, p.status]))
  // Asked once per task per scan: each member's count is kept for the life of this view.
  const lost = new Map<string, boolean>()
  return {
    total,
    heardBy,
    heardByMajority: (heardBy.length + 1) * 2 > total,
    lostByMajority(id: string): boolean {
      if (id === self) return false
      const known = lost.get(id)
      if (known !== undefined) return known
      let votes = own.get(id) === 'alive' ? 0 : 1
      for (const peer of alive) {
        if (peer.id === id) continue
        const status = reportOf(peer, id)
        if (status !== undefined && status !== 'alive') votes++
      }
      const answer = votes * 2 > total
      lost.set(id, answer)
      return answer
    },
  }
}

/** What `peer`'s latest heartbeat says of `id` (its last word, should it name `id` twice). */
function reportOf(peer: VotingPeer, id: string): Reachability | undefined {
  for (let i = peer.reports.length - 1; i >= 0; i--) {
    const report = peer.reports[i] as HeartbeatFrame['reach'][number]
    if (report.peer === id) return report.status
  }
  return undefined
}
