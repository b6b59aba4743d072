/**
 * A pull that ends with the document still behind some peer's last known
 * vector is followed at once by a pull from a peer known to hold more (DESIGN
 * §4, version vectors; bench #9's seed 89). The shape: n1 has been cut off
 * from both n2 and n3; n2 holds n3's first write of "plan" but not its
 * second. n1's link to n2 comes back first, so n1 pulls "plan" from n2; n1's
 * link to n3 comes back while that pull runs, so n3's vectors (holding the
 * second write) arrive during it. Only one pull per document runs at a time:
 * before the fix n3's vectors were dropped, n1 ended its pull behind and
 * waited for the heartbeats' digests to disagree twice (≥ one heartbeat
 * interval, 250 ms here) before asking again. Now n1 remembers n3's vector
 * and pulls from n3 as soon as the pull from n2 ends.
 */
import { describe, expect, it } from 'vitest'
import type * as Y from 'yjs'
import { Simulation } from '../../sim/index.ts'
import type { VersionVector } from '../../src/sync/version-vector.ts'

const ids = ['n1', 'n2', 'n3']
const LATENCY_MS = 10
const HEARTBEAT_MS = 250
/** n1's link to n3 comes back this long after its link to n2: within the pull from n2 (≥ 1 RTT). */
const SECOND_LINK_AFTER_MS = 5
/**
 * From the end of the pull from n2 to holding n3's second write: one round
 * trip of the follow-up pull (2 × LATENCY_MS) plus the stores' sync and event
 * turns. Before the fix it took at least a heartbeat interval.
 */
const FOLLOW_UP_MS_MAX = 2 * LATENCY_MS + 15

async function write(sim: Simulation, id: string, key: string): Promise<void> {
  const doc = await sim.node(id).doc('plan', { backend: 'yjs' })
  await doc.change((y: Y.Doc) => y.getMap('kv').set(key, id))
}

const n3Seq = (vector: VersionVector): number => vector.n3 ?? 0

describe('a pull that ends behind a peer known to hold more', () => {
  it('is followed at once by a pull from that peer, not by the next heartbeats', async () => {
    const sim = await Simulation.create({
      seed: 1,
      nodes: ids,
      network: { latencyMs: [LATENCY_MS, LATENCY_MS] },
      node: { members: ids, heartbeatMs: HEARTBEAT_MS },
    })
    await sim.runFor(500)
    sim.partition([['n1'], ['n2', 'n3']])
    await sim.runFor(1_000)
    await write(sim, 'n3', 'first')
    await sim.runFor(200) // n2 gets the first write live
    sim.partition([['n1'], ['n2'], ['n3']])
    await sim.runFor(1_000)
    await write(sim, 'n3', 'second') // n2 never gets this one: n2–n3 stays cut
    await sim.runFor(1_000)
    const n1 = sim.node('n1')
    expect(n3Seq(sim.node('n2').versionVector())).toBe(1)
    expect(n3Seq(sim.node('n3').versionVector())).toBe(2)
    expect(n3Seq(n1.versionVector())).toBe(0)

    const linksMs = sim.nowMs
    sim.network.setCut(
      [
        ['n1', 'n2'],
        ['n2', 'n1'],
      ],
      false,
    )
    await sim.runFor(SECOND_LINK_AFTER_MS)
    sim.network.setCut(
      [
        ['n1', 'n3'],
        ['n3', 'n1'],
      ],
      false,
    )
    let firstMs: number | undefined
    let secondMs: number | undefined
    while (secondMs === undefined && sim.nowMs - linksMs < 3 * HEARTBEAT_MS) {
      await sim.runFor(1)
      const seq = n3Seq(n1.versionVector())
      if (seq >= 1) firstMs ??= sim.nowMs
      if (seq >= 2) secondMs = sim.nowMs
    }
    // The shape: the pull from n2 ended with n1 holding the first write only.
    expect(firstMs, 'n1 got the first write').toBeDefined()
    expect(secondMs, 'n1 got the second write').toBeDefined()
    expect(secondMs as number).toBeGreaterThan(firstMs as number)
    const followUpMs = (secondMs as number) - (firstMs as number)
    expect(followUpMs, `the second write came ${followUpMs} ms after the first`).toBeLessThanOrEqual(
      FOLLOW_UP_MS_MAX,
    )
    expect(followUpMs).toBeLessThan(HEARTBEAT_MS)
    await sim.runUntilQuiet({ maxMs: 10_000 })
    expect(sim.check().violations).toEqual([])
    await sim.stop()
  })
})
