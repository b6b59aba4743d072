/**
 * node.tasks on real simulated nodes, beyond the happy path: cancel aborts a
 * run through its signal and result() rejects; result() times out on the
 * node's clock; bad submissions and handler options are refused with every
 * problem named; a node that never touches tasks holds no board; malformed
 * board entries from a peer are refused without harm; and under
 * `availability` two sides that ran one task settle on one accepted result,
 * keeping the loser's late result as a duplicate.
 */
import { describe, expect, it } from 'vitest'
import type * as Y from 'yjs'
import { Simulation } from '../../sim/index.ts'
import { NodeOptionsError } from '../../src/errors.ts'
import type { AgentNode } from '../../src/node/agent-node.ts'
import { resolveOptions } from '../../src/node/options.ts'
import {
  TaskCancelledError,
  TaskNotFoundError,
  TaskResultTimeoutError,
  TaskSubmitError,
} from '../../src/work/errors.ts'
import { BOARD_DOC } from '../../src/work/task-board.ts'
import type { TaskHandler } from '../../src/work/types.ts'

const ids = ['n1', 'n2', 'n3']

async function cluster(seed: number, handlers: Record<string, TaskHandler> = {}, extra: object = {}) {
  const sim = await Simulation.create({
    seed,
    nodes: ids,
    network: { latencyMs: [1, 20] },
    node: { members: ids, handlers, ...extra },
  })
  await sim.runFor(1_000)
  return sim
}

describe('node.tasks', () => {
  it('cancels a running task: its run sees the abort, result() rejects everywhere', async () => {
    const seen: unknown[] = []
    const sim = await cluster(21, {
      slow: {
        run: async (_task, ctx) => {
          try {
            await ctx.sleep(10_000)
          } catch (error) {
            seen.push(error)
            throw error
          }
        },
      },
    })
    const id = await sim.node('n1').tasks.submit({ kind: 'slow' })
    await sim.runFor(500)
    expect(sim.node('n1').tasks.get(id)?.status).toBe('running')
    await sim.node('n2').tasks.cancel(id)
    await sim.runFor(500)
    expect(seen).toHaveLength(1)
    expect(seen[0]).toBeInstanceOf(TaskCancelledError)
    for (const id_ of ids) {
      expect(sim.node(id_).tasks.get(id)?.status).toBe('cancelled')
      await expect(sim.node(id_).tasks.result(id)).rejects.toBeInstanceOf(TaskCancelledError)
    }
    // Stopped, not failed: no attempt failure was written.
    expect(
      sim
        .node('n1')
        .tasks.get(id)
        ?.history.map((e) => e.type),
    ).toEqual(['submitted', 'claimed', 'cancelled'])
    await expect(sim.node('n1').tasks.cancel('r00000000000000000000000000000000')).rejects.toBeInstanceOf(
      TaskNotFoundError,
    )
    await sim.stop()
  })

  it('times result() out on the node clock, naming the status', async () => {
    const sim = await cluster(22) // no handlers: the task stays pending
    const id = await sim.node('n1').tasks.submit({ kind: 'nobody-runs-this' })
    const waiting = sim.node('n1').tasks.result(id, { timeoutMs: 2_000 })
    const error = await sim.until(
      waiting.catch((e: unknown) => e),
      { maxMs: 3_000 },
    )
    expect(error).toBeInstanceOf(TaskResultTimeoutError)
    expect(String(error)).toContain('status pending')
    expect(sim.nowMs).toBeGreaterThanOrEqual(3_000)
    await sim.stop()
  })

  it('refuses bad submissions and bad handler options with every problem named', async () => {
    const sim = await cluster(23)
    const bad = sim.node('n1').tasks.submit({ kind: '', maxAttempts: 0, timeoutMs: -1, key: '' })
    await expect(bad).rejects.toBeInstanceOf(TaskSubmitError)
    await expect(bad).rejects.toMatchObject({ problems: { length: 4 } })
    await sim.stop()
    const options = { handlers: { x: { notRun: 1 } }, leaseMs: -5 }
    let error: unknown
    try {
      resolveOptions(options as never)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(NodeOptionsError)
    const problems = (error as NodeOptionsError).problems
    expect(problems.some((p) => p.includes('handlers.x must have a run'))).toBe(true)
    expect(problems.some((p) => p.includes('leaseMs must be a positive number'))).toBe(true)
  })

  it('counts a run in progress as pending work, so runUntilQuiet waits for it', async () => {
    const sim = await cluster(27, { long: { run: async (_task, ctx) => ctx.sleep(8_000) } })
    const id = await sim.node('n1').tasks.submit({ kind: 'long' })
    await sim.runFor(500)
    const owner = sim.node('n1').tasks.get(id)?.owner as string
    expect(sim.node(owner).pendingWork()).toContain('tasks: 1 running here')
    await sim.runUntilQuiet({ maxMs: 30_000 })
    expect(sim.node('n1').tasks.get(id)?.status).toBe('completed')
    for (const node of ids) expect(sim.node(node).pendingWork()).toEqual([])
    await sim.stop()
  })

  it('keeps nodes that never use tasks free of a board document', async () => {
    const sim = await cluster(24)
    await sim.runFor(1_000)
    for (const id of ids)
      expect(
        sim
          .node(id)
          .documentValues()
          .map(([name]) => name),
      ).not.toContain(BOARD_DOC)
    // A submission on n1 opens it there, and it reaches the others by replication.
    await sim.node('n1').tasks.submit({ kind: 'k', payload: 1 })
    await sim.runFor(2_000)
    for (const id of ids) {
      expect(
        sim
          .node(id)
          .documentValues()
          .map(([name]) => name),
      ).toContain(BOARD_DOC)
      expect(sim.node(id).tasks.list()).toHaveLength(1)
    }
    await sim.stop()
  })

  it('refuses malformed board entries from a peer and keeps working', async () => {
    const sim = await cluster(25, { echo: { run: async (task) => task.payload } })
    const board = await sim.node('n1').doc(BOARD_DOC, { backend: 'yjs' })
    await board.change((d: Y.Doc) => {
      const events = d.getMap('events')
      events.set('garbage', 1)
      events.set('r00000000000000000000000000000001/x', { type: 'submitted', id: 5 })
      events.set('r00000000000000000000000000000002/y', { type: 'nonsense' })
    })
    const id = await sim.node('n2').tasks.submit({ kind: 'echo', payload: 'still fine' })
    await expect(sim.until(sim.node('n3').tasks.result(id, { timeoutMs: 5_000 }))).resolves.toBe('still fine')
    for (const node of ids)
      expect(
        sim
          .node(node)
          .tasks.list()
          .map((t) => t.id),
      ).toEqual([id])
    await sim.stop()
  })
})

describe('settling one task run on both sides of a partition (availability)', () => {
  it('accepts the higher token result everywhere and keeps the loser late result as a duplicate', async () => {
    const runs: Array<{ node: string; aborted: boolean }> = []
    let sim: Simulation<AgentNode> | undefined
    const handlers: Record<string, TaskHandler> = {
      stubborn: {
        run: async (_task, ctx) => {
          // Ignores its signal: waits on the node's clock whatever happens.
          const clock = (sim as Simulation<AgentNode>).node(ctx.node.id).env.clock
          await new Promise<void>((resolve) => clock.setTimer(4_000, resolve))
          runs.push({ node: ctx.node.id, aborted: ctx.signal.aborted })
          return `by ${ctx.node.id}`
        },
      },
    }
    sim = await cluster(26, handlers, { partitionPolicy: 'availability' })
    sim.partition([['n1'], ['n2', 'n3']])
    await sim.runFor(6_000)
    await sim.node('n1').tasks.submit({ kind: 'stubborn', key: 'job' })
    const id = await sim.node('n2').tasks.submit({ kind: 'stubborn', key: 'job' })
    await sim.runFor(1_000)
    sim.heal()
    await sim.runFor(10_000)
    expect(runs).toHaveLength(2)
    const states = ids.map((n) => (sim as Simulation<AgentNode>).node(n).tasks.get(id))
    expect(new Set(states.map((s) => JSON.stringify(s))).size).toBe(1)
    const state = states[0]
    // Both claimed epoch 1: the higher node id wins the tie.
    const winner = runs.map((r) => r.node).sort()[1] as string
    const loser = runs.map((r) => r.node).sort()[0] as string
    expect(state).toMatchObject({ status: 'completed', owner: winner, epoch: 1, result: `by ${winner}` })
    // Kept, counted, and settled: compensated once (the kind has no compensate: recorded all the same).
    expect(state?.duplicates).toEqual([{ epoch: 1, node: loser, result: `by ${loser}`, compensated: true }])
    // The loser's run was told to stop (its signal aborted) when the winner's claim reached it.
    expect(runs.find((r) => r.node === loser)?.aborted).toBe(true)
    expect(runs.find((r) => r.node === winner)?.aborted).toBe(false)
    await sim.stop()
  })
})
