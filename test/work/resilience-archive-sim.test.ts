/**
 * Resilience per handler kind and archiving, on a one-node cluster in the
 * simulator (one node owns every task, so its breaker and bulkhead see them
 * all): an open breaker sends tasks to the fallback kind (recorded as
 * `fallback`) and shows in the node's degradation and metrics; a full
 * bulkhead makes tasks wait, and every one completes; finished tasks are
 * archived after `taskRetentionMs`, and a late event does not bring one back.
 */
import { describe, expect, it } from 'vitest'
import type * as Y from 'yjs'
import { Simulation } from '../../sim/index.ts'
import { NodeOptionsError } from '../../src/errors.ts'
import { resolveOptions } from '../../src/node/options.ts'
import { BOARD_DOC } from '../../src/work/task-board.ts'
import type { TaskHandler } from '../../src/work/types.ts'

async function single(seed: number, handlers: Record<string, TaskHandler>, extra: object = {}) {
  const sim = await Simulation.create({
    seed,
    nodes: ['n1'],
    network: { latencyMs: [1, 5] },
    node: { members: ['n1'], handlers, ...extra },
  })
  await sim.runFor(1_500)
  return sim
}

describe('breaker and fallback per kind', () => {
  it('opens the breaker, runs the fallback kind instead, and reports it', async () => {
    let primaryCalls = 0
    const sim = await single(41, {
      primary: {
        retry: { maxAttempts: 2, baseMs: 10, maxMs: 20 },
        breaker: { failureThreshold: 2, resetMs: 60_000 },
        fallback: 'backup',
        run: async () => {
          primaryCalls++
          throw new Error('model unavailable')
        },
      },
      backup: { run: async (_task, ctx) => ({ cached: true, degraded: ctx.degradation.reasons }) },
    })
    const node = sim.node('n1')
    const first = await node.tasks.submit({ kind: 'primary' })
    const r1 = await sim.until(node.tasks.result(first, { timeoutMs: 5_000 }), { maxMs: 6_000 })
    // Two attempts failed (the breaker opened on the second), then the fallback ran.
    expect(primaryCalls).toBe(2)
    expect(r1).toEqual({ cached: true, degraded: ['breaker open: primary'] })
    expect(node.tasks.get(first)).toMatchObject({ status: 'completed', fallback: 'backup', attempts: 3 })
    expect(node.view().degradation.reasons).toContain('breaker open: primary')
    // While open, the next task goes to the fallback at once: the primary is not called.
    const second = await node.tasks.submit({ kind: 'primary' })
    await sim.until(node.tasks.result(second, { timeoutMs: 5_000 }), { maxMs: 6_000 })
    expect(primaryCalls).toBe(2)
    expect(node.tasks.get(second)).toMatchObject({ status: 'completed', fallback: 'backup' })
    const work = node.metrics().work as {
      breakers: Record<string, string>
      fallbacks: number
      retries: number
    }
    expect(work.breakers).toEqual({ primary: 'open', backup: 'closed' })
    expect(work.fallbacks).toBe(2)
    expect(work.retries).toBe(1)
    expect(await node.metricsText()).toMatch(/isthmus_task_breaker_state\{kind="primary",node="n1"\} 2/)
    await sim.stop()
  })

  it('refuses bad resilience options and retention at createNode, naming each', () => {
    let error: unknown
    try {
      resolveOptions({
        handlers: {
          bad: {
            run: async () => 1,
            breaker: { failureThreshold: 0 },
            bulkhead: { maxConcurrent: -1 },
            fallback: 'bad',
          },
        },
        taskRetentionMs: -5,
      } as never)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(NodeOptionsError)
    const problems = (error as NodeOptionsError).problems.join('\n')
    expect(problems).toMatch(/handlers\.bad\.breaker: .*failureThreshold/)
    expect(problems).toMatch(/handlers\.bad\.bulkhead: .*maxConcurrent/)
    expect(problems).toMatch(/handlers\.bad\.fallback must name another kind/)
    expect(problems).toMatch(/taskRetentionMs must be a positive number/)
  })
})

describe('bulkhead per kind', () => {
  it('makes tasks past its capacity wait, and completes every one (≥ 20 seeds)', async () => {
    for (let seed = 100; seed < 120; seed++) {
      let running = 0
      let most = 0
      const sim = await single(seed, {
        narrow: {
          bulkhead: { maxConcurrent: 1, maxQueue: 1 },
          run: async (task, ctx) => {
            most = Math.max(most, ++running)
            try {
              await ctx.sleep(300)
              return task.payload
            } finally {
              running--
            }
          },
        },
      })
      const node = sim.node('n1')
      const ids: string[] = []
      for (let i = 0; i < 6; i++) ids.push(await node.tasks.submit({ kind: 'narrow', payload: i }))
      await sim.runFor(100)
      // One runs, one waits in the queue with its claim, the rest wait unclaimed: none is lost.
      expect(node.tasks.list({ status: 'running' }).length, `seed ${seed}`).toBe(2)
      expect(node.tasks.list({ status: 'pending' }).length, `seed ${seed}`).toBe(4)
      const results = await sim.until(
        Promise.all(ids.map((id) => node.tasks.result(id, { timeoutMs: 10_000 }))),
        {
          maxMs: 11_000,
        },
      )
      expect(results, `seed ${seed}`).toEqual([0, 1, 2, 3, 4, 5])
      expect(most, `seed ${seed}`).toBe(1)
      await sim.stop()
    }
  }, 60_000)
})

describe('archiving', () => {
  it('archives finished tasks after the retention, and a late event never brings one back', async () => {
    const sim = await single(43, { quick: { run: async () => 'ok' } }, { taskRetentionMs: 2_000 })
    const node = sim.node('n1')
    const id = await node.tasks.submit({ kind: 'quick' })
    await sim.until(node.tasks.result(id, { timeoutMs: 2_000 }), { maxMs: 3_000 })
    await sim.runFor(1_000)
    expect(node.tasks.get(id)?.status).toBe('completed')
    await sim.runFor(2_000)
    expect(node.tasks.get(id)).toBeUndefined()
    expect(node.tasks.list()).toEqual([])
    expect((node.metrics().work as { archived: number }).archived).toBe(1)
    // A late claim for the task arrives (as from a node that was away): it is neither derived nor kept.
    const board = (await node.doc(BOARD_DOC)) as unknown as { ydoc: Y.Doc }
    const events = board.ydoc.getMap('events')
    board.ydoc.transact(() => events.set(`${id}/late`, { type: 'claimed', epoch: 9, node: 'n9', seq: 0 }))
    await sim.runFor(1_000)
    expect(node.tasks.get(id)).toBeUndefined()
    expect(node.tasks.list()).toEqual([])
    expect([...events.keys()].filter((k) => k.startsWith(id))).toEqual([])
    expect((node.metrics().work as { lostTasks: number }).lostTasks).toBe(0)
    await sim.stop()
  })
})
