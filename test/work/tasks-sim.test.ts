/**
 * The task board on real nodes in the simulator: submit → claimed by its
 * rendezvous owner → run → completed, seen on every node; an idempotency key
 * submitted on both sides of a partition is one task after healing; a crash
 * of the owner mid-run resumes from the last checkpoint and replays the
 * journaled steps instead of running them again (on restart, or on another
 * node once the owner is declared dead).
 */
import { describe, expect, it } from 'vitest'
import { Simulation } from '../../sim/index.ts'
import type { AgentNode } from '../../src/node/agent-node.ts'
import { TaskFailedError } from '../../src/work/errors.ts'
import type { TaskHandler, TaskInfo } from '../../src/work/types.ts'

const ids = ['n1', 'n2', 'n3']

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

const nodes = (sim: Simulation<AgentNode>) => ids.map((id) => sim.node(id))

describe('tasks on real nodes', () => {
  it('runs a submitted task once on its owner; every node sees the accepted result', async () => {
    const runs: string[] = []
    const sim = await cluster(11, {
      echo: {
        run: async (task, ctx) => {
          runs.push(ctx.node.id)
          await ctx.sleep(100)
          return { echoed: task.payload, epoch: ctx.epoch }
        },
      },
    })
    const events: TaskInfo[] = []
    sim.node('n3').on('task', (t) => events.push(t))
    const id = await sim.node('n1').tasks.submit({ kind: 'echo', payload: { x: 1 } })
    expect(sim.node('n1').tasks.get(id)).toMatchObject({ status: 'pending', kind: 'echo', payload: { x: 1 } })
    const result = await sim.until(sim.node('n1').tasks.result(id, { timeoutMs: 5_000 }), { maxMs: 6_000 })
    expect(result).toEqual({ echoed: { x: 1 }, epoch: 1 })
    await sim.runFor(1_000)
    expect(runs).toHaveLength(1)
    for (const node of nodes(sim)) {
      const task = node.tasks.get(id)
      expect(task).toMatchObject({ status: 'completed', owner: runs[0], epoch: 1, attempts: 1, result })
      expect(task?.history.map((e) => e.type)).toEqual(['submitted', 'claimed', 'completed'])
      await expect(node.tasks.result(id)).resolves.toEqual(result)
      expect(node.tasks.list({ status: 'completed', kind: 'echo' }).map((t) => t.id)).toEqual([id])
      expect(node.tasks.list({ status: 'pending' })).toEqual([])
    }
    // n3 heard of the task from its peers: pending, running, completed.
    expect(events.filter((t) => t.id === id).map((t) => t.status)).toEqual([
      'pending',
      'running',
      'completed',
    ])
    // The board converges like any document: the simulator's checkers (convergence included) hold.
    await sim.runUntilQuiet({ maxMs: 10_000 })
    expect(sim.check()).toMatchObject({ ok: true, violations: [] })
    await sim.stop()
  })

  it('retries a failing attempt, then fails for good after maxAttempts', async () => {
    let calls = 0
    const sim = await cluster(12, {
      flaky: {
        retry: { baseMs: 10, maxMs: 20 },
        run: async () => {
          calls++
          throw new Error(`boom ${calls}`)
        },
      },
    })
    const id = await sim.node('n2').tasks.submit({ kind: 'flaky', maxAttempts: 3 })
    const outcome = sim.node('n2').tasks.result(id, { timeoutMs: 5_000 })
    await expect(sim.until(outcome, { maxMs: 6_000 })).rejects.toBeInstanceOf(TaskFailedError)
    expect(calls).toBe(3)
    const task = sim.node('n2').tasks.get(id)
    expect(task).toMatchObject({ status: 'failed', attempts: 3, error: 'Error: boom 3' })
    expect(task?.history.filter((e) => e.type === 'attemptFailed')).toHaveLength(3)
    await sim.stop()
  })

  it('makes one task of an idempotency key submitted on both sides of a partition', async () => {
    let runs = 0
    const sim = await cluster(13, { once: { run: async () => ++runs } }, { partitionPolicy: 'availability' })
    sim.partition([['n1'], ['n2', 'n3']])
    await sim.runFor(6_000)
    const a = await sim.node('n1').tasks.submit({ kind: 'once', key: 'order-42', payload: 'from n1' })
    const b = await sim.node('n3').tasks.submit({ kind: 'once', key: 'order-42', payload: 'from n3' })
    expect(a).toBe(b)
    expect(await sim.node('n1').tasks.submit({ kind: 'once', key: 'order-42' })).toBe(a)
    await sim.runFor(3_000)
    sim.heal()
    await sim.runFor(8_000)
    const views = nodes(sim).map((node) => node.tasks.get(a))
    for (const node of nodes(sim)) expect(node.tasks.list().map((t) => t.id)).toEqual([a])
    for (const task of views) {
      expect(task?.key).toBe('order-42')
      expect(task?.status).toBe('completed')
      expect(task?.history.filter((e) => e.type === 'submitted')).toHaveLength(1)
    }
    // One payload stands everywhere, and every node agrees on the state and the accepted result.
    expect(new Set(views.map((t) => JSON.stringify(t)))).toHaveProperty('size', 1)
    await sim.stop()
  })
})

/** A handler with two durable steps around a checkpoint and a long wait, counting real executions. */
function resumable(counts: { fetch: number; write: number; resumedFrom: unknown[] }): TaskHandler {
  return {
    run: async (_task, ctx) => {
      counts.resumedFrom.push(ctx.lastCheckpoint)
      const page = await ctx.step('fetch', async () => {
        counts.fetch++
        return { page: 7 }
      })
      if (ctx.lastCheckpoint === undefined) await ctx.checkpoint({ fetched: page.page })
      await ctx.sleep(3_000) // the crash lands here
      const written = await ctx.step('write', async () => {
        counts.write++
        return `wrote ${page.page}`
      })
      return { written, epoch: ctx.epoch }
    },
  }
}

describe('resuming after a crash of the owner', () => {
  async function crashMidRun(seed: number) {
    const counts = { fetch: 0, write: 0, resumedFrom: [] as unknown[] }
    const sim = await cluster(seed, { resumable: resumable(counts) })
    const id = await sim.node('n1').tasks.submit({ kind: 'resumable' })
    await sim.runFor(1_000)
    const owner = sim.node('n1').tasks.get(id)?.owner as string
    expect(owner).toBeDefined()
    expect(sim.node(owner).tasks.get(id)?.lastCheckpoint?.state).toEqual({ fetched: 7 })
    sim.crash(owner)
    return { sim, id, owner, counts }
  }

  it('resumes on the restarted owner from its checkpoint, replaying the done step', async () => {
    const { sim, id, owner, counts } = await crashMidRun(14)
    await sim.runFor(500)
    sim.restart(owner)
    const other = ids.find((n) => n !== owner) as string
    const result = await sim.until(sim.node(other).tasks.result(id, { timeoutMs: 20_000 }), { maxMs: 21_000 })
    expect(result).toEqual({ written: 'wrote 7', epoch: 2 })
    expect(counts).toEqual({ fetch: 1, write: 1, resumedFrom: [undefined, { fetched: 7 }] })
    expect(sim.node(other).tasks.get(id)).toMatchObject({ status: 'completed', owner, epoch: 2 })
    await sim.stop()
  })

  it('is taken over by another node once the owner is declared dead, resuming the same way', async () => {
    const { sim, id, owner, counts } = await crashMidRun(15)
    const other = ids.find((n) => n !== owner) as string
    const result = await sim.until(sim.node(other).tasks.result(id, { timeoutMs: 20_000 }), { maxMs: 21_000 })
    expect(result).toEqual({ written: 'wrote 7', epoch: 2 })
    expect(counts).toEqual({ fetch: 1, write: 1, resumedFrom: [undefined, { fetched: 7 }] })
    const task = sim.node(other).tasks.get(id)
    expect(task?.owner).not.toBe(owner)
    expect('claims' in (task ?? {})).toBe(false) // the public view keeps the runner's bookkeeping out
    expect(task?.history.filter((e) => e.type === 'claimed').map((e) => e.node)).toEqual([owner, task?.owner])
    await sim.stop()
  })
})
