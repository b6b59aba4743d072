/**
 * The work invariants can fail: each catches a deliberately broken node or
 * handler registry, and stays quiet on the real thing. Broken nodes are the
 * real AgentNode behind a proxy that lies through the public API the
 * checkers read (`tasks.list()`, the `task` event), or a node built with
 * other work options than the simulation believes it runs.
 */
import { describe, expect, it } from 'vitest'
import { type AgentSimOptions, agentNodeFactory } from '../../sim/agent-nodes.ts'
import { type SimNodeFactory, Simulation } from '../../sim/index.ts'
import { type SimTaskTimings, simTaskHandlers } from '../../sim/task-handlers.ts'
import type { AgentNode } from '../../src/node/agent-node.ts'
import type { TaskEvent } from '../../src/work/task-events.ts'
import type { TaskInfo } from '../../src/work/types.ts'

const ids = ['n1', 'n2', 'n3']

/** Binds methods to the target, so private fields keep working behind a proxy. */
function forward<T extends object>(target: T, overrides: Record<PropertyKey, unknown>): T {
  return new Proxy(target, {
    get(t, prop) {
      if (Object.hasOwn(overrides, prop)) return overrides[prop]
      const value = Reflect.get(t, prop, t)
      return typeof value === 'function' ? value.bind(t) : value
    },
  })
}

/** `id` reports its tasks through `lie` (list) and `lieEvent` (the task event); the others are honest. */
function liar(
  id: string,
  lie: { list?: (tasks: TaskInfo[]) => TaskInfo[]; event?: (task: TaskInfo) => TaskInfo[] },
): SimNodeFactory<AgentNode, AgentSimOptions> {
  return async (ctx) => {
    const node = await agentNodeFactory(ctx)
    if (ctx.id !== id) return node
    return forward(node, {
      get tasks() {
        const tasks = node.tasks
        return forward(tasks, { list: () => (lie.list ? lie.list(tasks.list()) : tasks.list()) })
      },
      on: (event: string, listener: (task: TaskInfo) => void) =>
        event === 'task' && lie.event
          ? node.on('task', (task) => {
              for (const t of lie.event?.(task) ?? []) listener(t)
            })
          : node.on(event as 'task', listener),
    })
  }
}

async function run(options: {
  seed: number
  createNode?: SimNodeFactory<AgentNode, AgentSimOptions>
  kinds?: string[]
  timings?: SimTaskTimings
}) {
  const sim = await Simulation.create<AgentNode>({
    seed: options.seed,
    nodes: ids,
    network: { latencyMs: [1, 20] },
    node: { members: ids, handlers: simTaskHandlers(options.timings) },
    ...(options.createNode ? { createNode: options.createNode } : {}),
  })
  await sim.runFor(1_000)
  for (const [i, kind] of (options.kinds ?? ['quick', 'slow', 'saga', 'quick']).entries())
    await sim.node(ids[i % ids.length] as string).tasks.submit({ kind, key: `t${i}` })
  await sim.runUntilQuiet({ maxMs: 15_000 })
  return sim
}

const detailsOf = (sim: Simulation<AgentNode>, name: string) =>
  sim
    .check()
    .violations.filter((v) => v.invariant === name)
    .map((v) => v.detail)

describe('the work invariants', () => {
  it('are on by default with real nodes, and hold on honest ones', async () => {
    const sim = await run({ seed: 1 })
    for (const name of [
      'no-lost-task',
      'one-result',
      'compensated-once',
      'checkpoints-forward',
      'epochs-increase',
      'fencing-monotone',
      'no-overlap',
    ])
      expect(sim.checkers.names()).toContain(name)
    expect(sim.check()).toEqual({ ok: true, violations: [] })
    expect(sim.node('n3').tasks.list({ status: 'completed' })).toHaveLength(4)
    expect(sim.work.runs.filter((r) => r.what === 'run' && r.outcome === 'ok').length).toBeGreaterThanOrEqual(
      4,
    )
    await sim.stop()
  })

  it('no-lost-task: a task no node can run stays pending, and is reported', async () => {
    const sim = await run({ seed: 2, kinds: ['quick', 'orphan'] })
    expect(detailsOf(sim, 'no-lost-task').join('\n')).toMatch(
      /task k[0-9a-f]+ is pending on n1 \(owner -, epoch 0\)/,
    )
    await sim.stop()
  })

  it('one-result: a node reporting another accepted result is caught', async () => {
    const lie = (tasks: TaskInfo[]) =>
      tasks.map((t) => (t.status === 'completed' ? { ...t, result: 'forged' } : t))
    const sim = await run({ seed: 3, createNode: liar('n2', { list: lie }) })
    expect(detailsOf(sim, 'one-result')[0]).toMatch(/settles differently: .*n2=.*"result":"forged"/)
    await sim.stop()
  })

  it('fencing-monotone: a node whose task goes back to a lower token or checkpoint is caught as it happens', async () => {
    const regress = (task: TaskInfo): TaskInfo[] =>
      task.status === 'completed'
        ? [task, { ...task, status: 'pending', epoch: 0, owner: undefined, lastCheckpoint: undefined }]
        : [task]
    const sim = await run({ seed: 4, createNode: liar('n3', { event: regress }) })
    const details = detailsOf(sim, 'fencing-monotone').join('\n')
    expect(details).toMatch(/n3: task k[0-9a-f]+ went back from winning token \(1, n\d\) to \(0, -\)/)
    expect(details).toMatch(/n3: task k[0-9a-f]+'s last checkpoint went back from \(1, n\d, #\d+\) to none/)
    await sim.stop()
  })

  it('checkpoints-forward: a run whose checkpoints go back is caught', async () => {
    const reverse = (tasks: TaskInfo[]) =>
      tasks.map((t) => ({
        ...t,
        history: t.history.map(
          (e): TaskEvent => (e.type === 'checkpoint' ? { ...e, state: { progress: 10 - e.seq } } : e),
        ),
      }))
    const sim = await run({ seed: 5, kinds: ['slow'], createNode: liar('n1', { list: reverse }) })
    expect(detailsOf(sim, 'checkpoints-forward')[0]).toMatch(
      /run \(1, n\d\)'s checkpoints go back: progress \d+ → /,
    )
    await sim.stop()
  })

  it('compensated-once: a duplicate never compensated, and a compensated winner, are caught', async () => {
    const lie = (tasks: TaskInfo[]) =>
      tasks.map((t): TaskInfo => {
        if (t.status !== 'completed' || t.owner === undefined) return t
        const winner: TaskEvent = { type: 'compensated', epoch: t.epoch, node: t.owner, by: t.owner }
        return {
          ...t,
          duplicates: [{ epoch: 0, node: 'n9', result: null, compensated: false }],
          history: [...t.history, winner],
        }
      })
    const sim = await run({ seed: 6, kinds: ['quick'], createNode: liar('n1', { list: lie }) })
    const details = detailsOf(sim, 'compensated-once').join('\n')
    expect(details).toMatch(/run \(0, n9\) completed but lost, compensated 0 times/)
    expect(details).toMatch(/run \(1, n\d\) was compensated \(1×\) but is not a completed run that lost/)
    expect(details).toMatch(/compensate returned 0 times for epoch 0, whose completed losing runs number 1/)
    await sim.stop()
  })

  it('epochs-increase: two claims of one epoch under majority are caught', async () => {
    const lie = (tasks: TaskInfo[]) =>
      tasks.map(
        (t): TaskInfo => ({
          ...t,
          history: [...t.history, { type: 'claimed', epoch: 1, node: 'n9', seq: 0 }],
        }),
      )
    const sim = await run({ seed: 7, kinds: ['quick'], createNode: liar('n1', { list: lie }) })
    expect(detailsOf(sim, 'epochs-increase')[0]).toMatch(
      /epoch 1 claimed by n\d and n9|epoch 1 claimed by n9 and n\d/,
    )
    await sim.stop()
  })
})

describe('no-overlap', () => {
  /** Long runs split by a partition: both sides would run the same task if they could. */
  async function split(seed: number, createNode?: SimNodeFactory<AgentNode, AgentSimOptions>) {
    const sim = await Simulation.create<AgentNode>({
      seed,
      nodes: ['n1', 'n2', 'n3', 'n4', 'n5'],
      network: { latencyMs: [1, 20] },
      node: {
        members: ['n1', 'n2', 'n3', 'n4', 'n5'],
        handlers: simTaskHandlers({ slowSteps: 30, slowStepMs: 500 }),
        partitionPolicy: 'majority',
      },
      ...(createNode ? { createNode } : {}),
    })
    await sim.runFor(1_000)
    for (let i = 0; i < 8; i++) await sim.node('n1').tasks.submit({ kind: 'slow', key: `long-${i}` })
    await sim.runFor(2_000)
    sim.partition([
      ['n1', 'n2'],
      ['n3', 'n4', 'n5'],
    ])
    await sim.runFor(12_000)
    return sim
  }

  it('catches nodes that take over while split although the simulation runs them under majority', async () => {
    const availability: SimNodeFactory<AgentNode, AgentSimOptions> = (ctx) =>
      agentNodeFactory({ ...ctx, options: { ...ctx.options, partitionPolicy: 'availability' } })
    const sim = await split(8, availability)
    const overlaps = sim.checkers.recorded().filter((v) => v.invariant === 'no-overlap')
    expect(overlaps.length).toBeGreaterThan(0)
    expect(overlaps[0]?.detail).toMatch(
      /task k[0-9a-f]+ \(slow\): run \(\d+, n\d\) began while run \(\d+, n\d\) was still executing/,
    )
    await sim.stop()
  })

  it('stays quiet when the nodes do run under majority (the minority aborts within its lease)', async () => {
    const sim = await split(8)
    expect(sim.checkers.recorded().filter((v) => v.invariant === 'no-overlap')).toEqual([])
    // Not vacuous: the majority did take runs over.
    const runs = sim.work.runs.filter((r) => r.what === 'run')
    expect(new Set(runs.map((r) => r.node)).size).toBeGreaterThan(2)
    await sim.stop()
  })
})
