/**
 * The votes of src/membership/quorum.ts: who hears a node both ways, and
 * whether a majority has lost it. The property is the one the work layer's
 * leases stand on: on any reachability graph (transitive or not, one-way
 * links included), while a majority hears X no node sees a majority that has
 * lost X.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Reachability } from '../../src/membership/heartbeat-frame.ts'
import { countVotes, type VotingPeer } from '../../src/membership/quorum.ts'

/** `hears[a][b]`: a hears b. Every node's view and reports follow from it, as after a few heartbeats. */
function quorumOf(self: number, hears: boolean[][]) {
  const n = hears.length
  const statusOf = (a: number, b: number): Reachability => (hears[a]?.[b] ? 'alive' : 'suspect')
  const peers: VotingPeer[] = []
  for (let p = 0; p < n; p++) {
    if (p === self) continue
    const reports = []
    for (let q = 0; q < n; q++) if (q !== p) reports.push({ peer: `n${q}`, status: statusOf(p, q) })
    peers.push({ id: `n${p}`, status: statusOf(self, p), fresh: true, reports })
  }
  return countVotes(`n${self}`, peers)
}

describe('quorum votes', () => {
  it('counts a peer as hearing me only both ways, and a loss only from the peers I hear', () => {
    // n0 hears n1 and n2; n1 hears n0; n2 does not hear n0 (a one-way link); n3, n4 cut off.
    const hears = [
      [true, true, true, false, false],
      [true, true, true, false, false],
      [false, true, true, false, false],
      [false, false, false, true, true],
      [false, false, false, true, true],
    ]
    const q0 = quorumOf(0, hears)
    expect(q0.heardBy).toEqual(['n1'])
    expect(q0.heardByMajority).toBe(false)
    // n3: lost to n0, n1, n2 (n0 hears n1 and n2, who report it suspect): 3 of 5.
    expect(q0.lostByMajority('n3')).toBe(true)
    // n1: heard by n0 itself, and by n2: no majority has lost it.
    expect(q0.lostByMajority('n1')).toBe(false)
    expect(q0.lostByMajority('n0')).toBe(false)
  })

  it('ignores a peer that does not name the member, and counts its last word', () => {
    const q = countVotes('a', [
      { id: 'b', status: 'alive', fresh: true, reports: [] },
      {
        id: 'c',
        status: 'alive',
        fresh: true,
        reports: [
          { peer: 'a', status: 'suspect' },
          { peer: 'a', status: 'alive' },
        ],
      },
    ])
    expect(q.heardBy).toEqual(['c'])
    expect(q.heardByMajority).toBe(true)
    expect(q.total).toBe(3)
  })

  it('takes no vote from a peer whose latest heartbeat is stale, though phi still calls it alive', () => {
    const stale = {
      id: 'c',
      status: 'alive' as const,
      fresh: false,
      reports: [{ peer: 'x', status: 'dead' as const }],
    }
    const fresh = { ...stale, id: 'd', fresh: true }
    const x = { id: 'x', status: 'suspect' as const, fresh: false, reports: [] }
    // Me and d report x lost: 2 of 5 (c's old word does not count).
    expect(countVotes('a', [stale, fresh, x, { ...stale, id: 'e' }]).lostByMajority('x')).toBe(false)
    expect(
      countVotes('a', [{ ...stale, fresh: true }, fresh, x, { ...stale, id: 'e' }]).lostByMajority('x'),
    ).toBe(true)
  })

  it('never lets a majority hear X while any node sees a majority that lost X (any graph)', () => {
    const graph = fc
      .integer({ min: 1, max: 7 })
      .chain((n) =>
        fc.array(fc.array(fc.boolean(), { minLength: n, maxLength: n }), { minLength: n, maxLength: n }),
      )
    let heldSomewhere = 0
    let lostSomewhere = 0
    fc.assert(
      fc.property(graph, (hears) => {
        const n = hears.length
        for (let x = 0; x < n; x++) {
          if (!quorumOf(x, hears).heardByMajority) continue
          heldSomewhere++
          for (let y = 0; y < n; y++) expect(quorumOf(y, hears).lostByMajority(`n${x}`)).toBe(false)
        }
        for (let y = 0; y < n; y++)
          for (let x = 0; x < n; x++) if (quorumOf(y, hears).lostByMajority(`n${x}`)) lostSomewhere++
      }),
      { numRuns: 500 },
    )
    // Both sides of the property were exercised.
    expect(heldSomewhere).toBeGreaterThan(100)
    expect(lostSomewhere).toBeGreaterThan(100)
  })
})
