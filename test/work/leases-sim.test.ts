/**
 * Leases on real nodes in the simulator, over many seeds. Under `majority`:
 * an owner cut off alone aborts its run (LeaseLostError) within leaseMs of
 * its own detection of the cut; the majority claims the task only once its
 * detection of the owner is leaseMs old, on its own clock; and the two runs
 * never overlap in virtual time. Recovery numbers reach node.metrics() and
 * Prometheus. Repeat one seed: SEEDS=<seed> npx vitest run test/work/leases-sim.test.ts
 */
import { describe, expect, it } from 'vitest'
import { Simulation } from '../../sim/index.ts'
import type { AgentNode } from '../../src/node/agent-node.ts'
import { LeaseLostError } from '../../src/work/errors.ts'
import type { TaskHandler } from '../../src/work/types.ts'
import type { WorkMetricsSnapshot } from '../../src/work/work-metrics.ts'

const ids = ['n1', 'n2', 'n3']
const LEASE_MS = 1_000
const seeds = process.env.SEEDS
  ? process.env.SEEDS.split(',').map(Number)
  : Array.from({ length: 20 }, (_, i) => 500 + i)

interface RunRecord {
  node: string
  epoch: number
  startMs: number
  endMs: number | undefined
  reason: unknown
}

function longRunner(sim: () => Simulation<AgentNode>, runs: RunRecord[]): TaskHandler {
  return {
    timeoutMs: 120_000,
    run: async (_task, ctx) => {
      const record: RunRecord = {
        node: ctx.node.id,
        epoch: ctx.epoch,
        startMs: sim().nowMs,
        endMs: undefined,
        reason: undefined,
      }
      runs.push(record)
      try {
        await ctx.sleep(20_000)
        return `done by ${ctx.node.id}`
      } catch (error) {
        record.reason = error
        throw error
      } finally {
        record.endMs = sim().nowMs
      }
    },
  }
}

async function leaseRun(seed: number) {
  const runs: RunRecord[] = []
  let simRef: Simulation<AgentNode> | undefined
  const sim = await Simulation.create({
    seed,
    nodes: ids,
    network: { latencyMs: [1, 20] },
    node: { members: ids, leaseMs: LEASE_MS, handlers: { long: longRunner(() => simRef as never, runs) } },
  })
  simRef = sim
  await sim.runFor(1_000)
  const id = await sim.node('n1').tasks.submit({ kind: 'long' })
  await sim.runFor(500)
  const owner = sim.node('n1').tasks.get(id)?.owner as string
  expect(owner, `seed ${seed}`).toBeDefined()
  const others = ids.filter((n) => n !== owner)
  // When the owner sees itself on a minority side, and when each other node detects the owner.
  let minorityAtMs: number | undefined
  sim.node(owner).on('degradation', (d) => {
    if (d.reasons.includes('minority side')) minorityAtMs ??= sim.nowMs
  })
  const detectedAtMs = new Map<string, number>()
  for (const n of others)
    sim.node(n).on('member', (m) => {
      if (m.id === owner && m.status !== 'alive' && !detectedAtMs.has(n)) detectedAtMs.set(n, sim.nowMs)
    })
  sim.partition([[owner], others])
  await sim.runFor(8_000)
  return { sim, id, owner, runs, minorityAtMs, detectedAtMs }
}

describe('leases under majority (≥ 20 seeds)', () => {
  it('aborts the cut-off owner within leaseMs, takes over only after detection + leaseMs, never overlapping', async () => {
    for (const seed of seeds) {
      const { sim, id, owner, runs, minorityAtMs, detectedAtMs } = await leaseRun(seed)
      const where = `seed ${seed} (SEEDS=${seed} npx vitest run test/work/leases-sim.test.ts)`
      expect(runs, where).toHaveLength(2)
      const [first, second] = runs as [RunRecord, RunRecord]
      expect(first.node, where).toBe(owner)
      // The owner's run stopped on its lost lease, within leaseMs of its own detection of the cut.
      expect(first.reason, where).toBeInstanceOf(LeaseLostError)
      expect(minorityAtMs, where).toBeDefined()
      expect((first.endMs as number) - (minorityAtMs as number), where).toBeLessThanOrEqual(LEASE_MS)
      // The heir claimed only after its own detection + leaseMs (and within a heartbeat of it).
      const detected = detectedAtMs.get(second.node) as number
      expect(detected, where).toBeDefined()
      expect(second.startMs - detected, where).toBeGreaterThanOrEqual(LEASE_MS)
      expect(second.startMs - detected, where).toBeLessThanOrEqual(LEASE_MS + 300)
      // No overlap in virtual time.
      expect(first.endMs as number, where).toBeLessThanOrEqual(second.startMs)
      expect(second.epoch, where).toBe(2)
      const heir = sim.node(second.node)
      const work = heir.metrics().work as WorkMetricsSnapshot
      expect(work.takeovers, where).toBe(1)
      expect(work.detectionToReownedMs.count, where).toBe(1)
      expect(work.detectionToReownedMs.p50Ms, where).toBeGreaterThanOrEqual(LEASE_MS)
      expect(work.mttrMs.p50Ms, where).toBeGreaterThan(work.detectionToReownedMs.p50Ms as number)
      expect(work.lostTasks, where).toBe(0)
      expect((sim.node(owner).metrics().work as Record<string, number>).leaseAborts, where).toBe(1)
      // After healing, the heir's run goes on (its claim wins) and finishes; one accepted result.
      sim.heal()
      const result = await sim.until(heir.tasks.result(id, { timeoutMs: 60_000 }), { maxMs: 61_000 })
      expect(result, where).toBe(`done by ${second.node}`)
      expect(runs, where).toHaveLength(2)
      await sim.stop()
    }
  }, 120_000)

  it('reports recovery in node.metrics() and Prometheus', async () => {
    const { sim, runs } = await leaseRun(seeds[0] as number)
    const heir = sim.node((runs[1] as RunRecord).node)
    const work = heir.metrics().work as WorkMetricsSnapshot
    for (const key of [
      'takeovers',
      'mttrMs',
      'detectionToReownedMs',
      'duplicateRuns',
      'compensations',
      'retries',
      'breakers',
      'tasksByStatus',
      'resumedFromCheckpoint',
      'lostTasks',
    ])
      expect(work).toHaveProperty(key)
    expect(work.tasksByStatus).toEqual({ running: 1 })
    expect(work.breakers).toEqual({ long: 'closed' })
    const text = await heir.metricsText()
    expect(text).toMatch(/isthmus_task_takeovers_total\{node="[^"]+"\} 1/)
    expect(text).toMatch(/isthmus_task_mttr_seconds_bucket\{le="3",node="[^"]+"\} 1/)
    expect(text).toMatch(/isthmus_tasks\{status="running",node="[^"]+"\} 1/)
    expect(text).toMatch(/isthmus_tasks_lost\{node="[^"]+"\} 0/)
    expect(text).toMatch(/isthmus_task_breaker_state\{kind="long",node="[^"]+"\} 0/)
    await sim.stop()
  })
})
