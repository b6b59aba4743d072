/**
 * Settlement on healing and sagas, on real nodes in the simulator:
 *   - under `availability` both sides run one task; after healing exactly one
 *     result is accepted and the loser's completed run is compensated exactly
 *     once (compensate calls counted across every node), over ≥ 20 seeds;
 *   - a crash of the compensating node mid-compensation still ends with one
 *     recorded compensation (the owner does it once the crashed node's lease
 *     expired), over ≥ 20 seeds;
 *   - a task failing for good compensates its steps in reverse, status
 *     'compensating' meanwhile, then `failed`;
 *   - a run stopped by its lost lease, whose step the successor never saw (and
 *     so ran again), has that step compensated with its own `compensate`.
 * Repeat one seed: SEEDS=<seed> npx vitest run test/work/settlement-sim.test.ts
 */
import { describe, expect, it } from 'vitest'
import { Simulation } from '../../sim/index.ts'
import type { AgentNode } from '../../src/node/agent-node.ts'
import { TaskFailedError } from '../../src/work/errors.ts'
import type { TaskHandler, TaskInfo } from '../../src/work/types.ts'

const ids = ['n1', 'n2', 'n3']
const seeds = process.env.SEEDS
  ? process.env.SEEDS.split(',').map(Number)
  : Array.from({ length: 20 }, (_, i) => 700 + i)

async function cluster(seed: number, handlers: Record<string, TaskHandler>, extra: object = {}) {
  const sim = await Simulation.create({
    seed,
    nodes: ids,
    network: { latencyMs: [1, 20] },
    node: { members: ids, handlers, ...extra },
  })
  await sim.runFor(1_000)
  return sim
}

const compensatedEvents = (task: TaskInfo | undefined) =>
  (task?.history ?? []).filter((e) => e.type === 'compensated')

/** One keyed task submitted on both sides of a cut under availability: both sides run it. */
async function splitRun(seed: number, compensateMs: number) {
  const runs: string[] = []
  const compensations: Array<{ node: string; epoch: number; done: boolean }> = []
  const sim = await cluster(
    seed,
    {
      book: {
        run: async (_task, ctx) => {
          runs.push(ctx.node.id)
          await ctx.sleep(200)
          return `booked by ${ctx.node.id}`
        },
        compensate: async (_task, ctx) => {
          const record = { node: ctx.node.id, epoch: ctx.epoch, done: false }
          compensations.push(record)
          await ctx.sleep(compensateMs)
          record.done = true
        },
      },
    },
    { partitionPolicy: 'availability' },
  )
  sim.partition([['n1'], ['n2', 'n3']])
  await sim.runFor(4_000)
  const id = await sim.node('n1').tasks.submit({ kind: 'book', key: 'trip' })
  await sim.node('n3').tasks.submit({ kind: 'book', key: 'trip' })
  await sim.runFor(3_000)
  expect(runs.sort(), `seed ${seed}`).toHaveLength(2)
  return { sim, id, runs, compensations }
}

describe('settlement after healing (availability, ≥ 20 seeds)', () => {
  it('accepts one result and compensates the losing completed run exactly once', async () => {
    for (const seed of seeds) {
      const where = `seed ${seed} (SEEDS=${seed} npx vitest run test/work/settlement-sim.test.ts)`
      const { sim, id, runs, compensations } = await splitRun(seed, 50)
      sim.heal()
      await sim.runFor(6_000)
      await sim.runUntilQuiet({ maxMs: 20_000 })
      const views = ids.map((n) => sim.node(n).tasks.get(id))
      expect(new Set(views.map((v) => JSON.stringify(v))).size, where).toBe(1)
      const task = views[0] as TaskInfo
      expect(task.status, where).toBe('completed')
      expect(
        task.history.filter((e) => e.type === 'completed'),
        where,
      ).toHaveLength(2)
      expect(task.duplicates, where).toHaveLength(1)
      const loser = task.duplicates[0] as TaskInfo['duplicates'][number]
      expect(task.result, where).toBe(`booked by ${task.owner}`)
      expect(runs, where).toContain(loser.node)
      expect(loser.compensated, where).toBe(true)
      // Exactly one compensate call over every node, on the node that ran the losing run.
      expect(compensations, where).toEqual([{ node: loser.node, epoch: loser.epoch, done: true }])
      expect(compensatedEvents(task), where).toHaveLength(1)
      for (const n of ids)
        expect((sim.node(n).metrics().work as { duplicateRuns: number }).duplicateRuns).toBe(1)
      const compensationsDone = ids.map(
        (n) => (sim.node(n).metrics().work as { compensations: number }).compensations,
      )
      expect(
        compensationsDone.reduce((a, b) => a + b, 0),
        where,
      ).toBe(1)
      await sim.stop()
    }
  }, 120_000)

  it('ends with one compensation when the compensating node crashes mid-way', async () => {
    for (const seed of seeds) {
      const where = `seed ${seed} (SEEDS=${seed} npx vitest run test/work/settlement-sim.test.ts)`
      const { sim, id, compensations } = await splitRun(seed, 2_000)
      sim.heal()
      // Until the loser's node is compensating and every node knows of the duplicate (else it dies
      // with the only copy of its run, and there is nothing left to settle), then crash it there.
      const known = () => ids.every((n) => sim.node(n).tasks.get(id)?.duplicates.length === 1)
      for (let i = 0; i < 200 && (compensations.length === 0 || !known()); i++) await sim.runFor(10)
      expect(compensations, where).toHaveLength(1)
      const crashed = (compensations[0] as { node: string }).node
      sim.crash(crashed)
      await sim.runFor(15_000)
      const alive = ids.filter((n) => n !== crashed)
      await sim.runUntilQuiet({ maxMs: 20_000 })
      const task = sim.node(alive[0] as string).tasks.get(id)
      expect(task?.status, where).toBe('completed')
      expect(compensatedEvents(task), where).toHaveLength(1)
      expect(task?.duplicates[0]?.compensated, where).toBe(true)
      // The interrupted call never finished; one other call did, by a live node.
      expect(
        compensations.filter((c) => c.done),
        where,
      ).toHaveLength(1)
      expect(compensations.filter((c) => c.done)[0]?.node, where).not.toBe(crashed)
      expect(compensations, where).toHaveLength(2)
      await sim.stop()
    }
  }, 120_000)
})

describe('sagas', () => {
  it('a task failing for good undoes its steps in reverse, compensating meanwhile, then fails', async () => {
    const undone: string[] = []
    const sim = await cluster(31, {
      trip: {
        retry: { maxAttempts: 2, baseMs: 10, maxMs: 20 },
        run: async (_task, ctx) => {
          for (const name of ['flight', 'hotel', 'car'])
            await ctx.step(name, async () => `${name}#1`, {
              compensate: async (result) => {
                undone.push(`${name}:${String(result)}`)
              },
            })
          throw new Error('payment declined')
        },
      },
    })
    const statuses: string[] = []
    sim.node('n2').on('task', (t) => statuses.push(t.status))
    const id = await sim.node('n2').tasks.submit({ kind: 'trip' })
    const outcome = sim.node('n2').tasks.result(id, { timeoutMs: 10_000 })
    await expect(sim.until(outcome, { maxMs: 11_000 })).rejects.toBeInstanceOf(TaskFailedError)
    // Each step done once (the second attempt replayed them), undone once, in reverse.
    expect(undone).toEqual(['car:car#1', 'hotel:hotel#1', 'flight:flight#1'])
    expect(statuses).toContain('compensating')
    const task = sim.node('n2').tasks.get(id)
    expect(task).toMatchObject({ status: 'failed', error: 'Error: payment declined' })
    expect(compensatedEvents(task).map((e) => (e as { step?: string }).step)).toEqual(
      expect.arrayContaining(['car', 'hotel', 'flight']),
    )
    expect(compensatedEvents(task)).toHaveLength(3)
    expect((sim.node(task?.owner as string).metrics().work as { compensations: number }).compensations).toBe(
      3,
    )
    await sim.stop()
  })

  it('compensates the step a stopped run did that its successor never saw', async () => {
    const undone: Array<{ node: string; result: unknown }> = []
    const fetched: string[] = []
    let isolated = false
    let simRef: Simulation<AgentNode> | undefined
    const sim = await cluster(32, {
      reserve: {
        timeoutMs: 60_000,
        run: async (_task, ctx) => {
          const self = ctx.node.id
          await ctx.step(
            'hold-seat',
            async () => {
              fetched.push(self)
              // The first run's node is cut off just as its step completes: the step's journal
              // entry is durable there but reaches nobody before the lease is lost.
              if (!isolated) {
                isolated = true
                simRef?.isolate(self)
              }
              return `seat held by ${self}`
            },
            { compensate: async (result) => void undone.push({ node: self, result }) },
          )
          await ctx.sleep(5_000)
          return `reserved by ${self}`
        },
      },
    })
    simRef = sim
    const id = await sim.node('n1').tasks.submit({ kind: 'reserve' })
    await sim.runFor(10_000)
    expect(fetched).toHaveLength(2) // the successor did not see the first step: it ran it again
    const [first, second] = fetched as [string, string]
    expect(first).not.toBe(second)
    sim.heal()
    const result = await sim.until(sim.node(second).tasks.result(id, { timeoutMs: 20_000 }), {
      maxMs: 21_000,
    })
    expect(result).toBe(`reserved by ${second}`)
    await sim.runUntilQuiet({ maxMs: 20_000 })
    // The stopped run's own compensate undid its own result, once; the successor's step stands.
    expect(undone).toEqual([{ node: first, result: `seat held by ${first}` }])
    const task = sim.node(second).tasks.get(id)
    expect(compensatedEvents(task)).toEqual([
      expect.objectContaining({ type: 'compensated', epoch: 1, node: first, step: 'hold-seat' }),
    ])
    expect(task?.duplicates).toEqual([])
    await sim.stop()
  })
})
