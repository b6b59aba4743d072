/**
 * Submit → claimed in a node's first moments, on real nodes in the simulator
 * (reported: a task submitted in the first second after an `isthmus node`
 * starts stayed pending ~5 s, the `dead` threshold). Measured here, over ≥ 10
 * seeds: the one wait is the start hold of leases.ts (a node that just
 * started claims nothing for leaseMs after it first sees a majority, so that
 * claims made elsewhere reach it before it claims), so
 *   - on a fresh cluster, a task submitted at t≈0 is claimed within leaseMs
 *     plus two heartbeats, with or without the members known up front;
 *   - on a node restarted with its members in its store, the same from its
 *     restart, and a task whose rendezvous owner is a peer (past its own hold)
 *     is claimed within two heartbeats;
 *   - once the holds are over, within two heartbeats.
 * Nothing waits for a member to be declared dead (deadAfterMs, 5 s here).
 * Repeat one seed: SEEDS=<seed> npx vitest run test/work/start-latency-sim.test.ts
 */
import { describe, expect, it } from 'vitest'
import { Simulation } from '../../sim/index.ts'
import type { AgentNode } from '../../src/node/agent-node.ts'

const ids = ['n1', 'n2', 'n3']
const LEASE_MS = 1_000
const HEARTBEAT_MS = 250
const seeds = process.env.SEEDS
  ? process.env.SEEDS.split(',').map(Number)
  : Array.from({ length: 10 }, (_, i) => 300 + i)
const handlers = { quick: { run: async () => 'ok' } }

async function cluster(seed: number, members: boolean) {
  return Simulation.create({
    seed,
    nodes: ids,
    network: { latencyMs: [1, 20] },
    node: { handlers, leaseMs: LEASE_MS, heartbeatMs: HEARTBEAT_MS, ...(members ? { members: ids } : {}) },
  })
}

/** Submits `n` tasks on `on` now; runs until each left 'pending'; submit → claimed and the claimant, per task. */
async function submitAndWait(sim: Simulation<AgentNode>, on: string, n = 6) {
  const t0 = sim.nowMs
  const tasks: string[] = []
  for (let i = 0; i < n; i++) tasks.push(await sim.node(on).tasks.submit({ kind: 'quick', payload: i }))
  const claimed = new Map<string, { ms: number; by: string }>()
  while (claimed.size < n && sim.nowMs - t0 < 20_000) {
    await sim.runFor(10)
    for (const id of tasks) {
      const task = sim.node(on).tasks.get(id)
      if (task !== undefined && task.status !== 'pending' && !claimed.has(id))
        claimed.set(id, { ms: sim.nowMs - t0, by: task.owner as string })
    }
  }
  return tasks.map((id) => claimed.get(id) ?? { ms: Number.POSITIVE_INFINITY, by: '' })
}

describe('submit → claimed in the first moments (≥ 10 seeds)', () => {
  it('fresh cluster, submitted at t≈0: within leaseMs + 2 heartbeats; after the holds, 2 heartbeats', async () => {
    for (const seed of seeds)
      for (const members of [false, true]) {
        const where = `seed ${seed}, members ${members} (SEEDS=${seed} npx vitest run test/work/start-latency-sim.test.ts)`
        const sim = await cluster(seed, members)
        expect(sim.nowMs, where).toBeLessThan(50)
        for (const c of await submitAndWait(sim, 'n1'))
          expect(c.ms, where).toBeLessThanOrEqual(LEASE_MS + 2 * HEARTBEAT_MS)
        await sim.runFor(LEASE_MS)
        for (const c of await submitAndWait(sim, 'n2'))
          expect(c.ms, where).toBeLessThanOrEqual(2 * HEARTBEAT_MS)
        await sim.runUntilQuiet({ maxMs: 20_000 })
        expect(sim.check().violations, where).toEqual([])
        await sim.stop()
      }
  }, 120_000)

  it('a node restarted with its members in its store: within leaseMs + 2 heartbeats, peers’ tasks at once', async () => {
    for (const seed of seeds)
      for (const downMs of [600, 8_000]) {
        const where = `seed ${seed}, down ${downMs} ms (SEEDS=${seed} npx vitest run test/work/start-latency-sim.test.ts)`
        const sim = await cluster(seed, false)
        await sim.runFor(2_000)
        sim.crash('n3')
        await sim.runFor(downMs)
        sim.restart('n3')
        while (sim.status('n3') !== 'running') await sim.runFor(1)
        const claims = await submitAndWait(sim, 'n3')
        for (const c of claims) {
          expect(c.ms, where).toBeLessThanOrEqual(LEASE_MS + 2 * HEARTBEAT_MS)
          if (c.by !== 'n3') expect(c.ms, where).toBeLessThanOrEqual(2 * HEARTBEAT_MS)
        }
        await sim.runUntilQuiet({ maxMs: 20_000 })
        expect(sim.check().violations, where).toEqual([])
        await sim.stop()
      }
  }, 120_000)
})
