/**
 * The gap task-breaker-partition showed ("run-loop spins on CircuitOpenError
 * while half-open"): two runs of one kind wait out its open breaker; when it
 * turns half-open, one takes the single probe (halfOpenMax 1) and the other
 * is refused by the breaker. The refused run must wait on the node's clock
 * for the breaker to change (the probe's outcome) and then run (or fall
 * back), not try again at once: that loop lived in microtasks and virtual
 * time never moved again.
 *
 * A spy on CircuitBreaker.execute counts the refusals of a half-open
 * breaker; past SPIN_GUARD it fails the call with another error, so that a
 * spinning runtime fails this test instead of stalling the worker.
 * Over ≥ 10 seeds. Repeat one: SEEDS=<seed> npx vitest run test/work/breaker-half-open-sim.test.ts
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { Simulation } from '../../sim/index.ts'
import { CircuitBreaker } from '../../src/resilience/breaker.ts'
import { CircuitOpenError } from '../../src/resilience/errors.ts'
import type { TaskHandler } from '../../src/work/types.ts'

const seeds = process.env.SEEDS
  ? process.env.SEEDS.split(',').map(Number)
  : Array.from({ length: 10 }, (_, i) => 1_200 + i)

/** Refusals by a half-open breaker past which the runtime is spinning. */
const SPIN_GUARD = 1_000

/** Counts the half-open refusals; past SPIN_GUARD, fails calls with a plain error (ends the spin). */
function spyRefusals(): { halfOpen: () => number } {
  let halfOpen = 0
  const execute = CircuitBreaker.prototype.execute
  vi.spyOn(CircuitBreaker.prototype, 'execute').mockImplementation(function (
    this: CircuitBreaker,
    ...args: Parameters<CircuitBreaker['execute']>
  ) {
    const state = this.state
    const out = execute.apply(this, args)
    if (state !== 'halfOpen' || this.state !== 'halfOpen') return out
    return out.catch((error: unknown) => {
      if (!(error instanceof CircuitOpenError)) throw error
      if (++halfOpen > SPIN_GUARD) throw new Error('spin guard: refused by a half-open breaker too often')
      throw error
    })
  } as CircuitBreaker['execute'])
  return { halfOpen: () => halfOpen }
}

afterEach(() => {
  vi.restoreAllMocks()
})

async function run(seed: number, fallback: boolean) {
  const refusals = spyRefusals()
  const calls: Array<{ task: string; atMs: number }> = []
  let sim: Simulation | undefined
  const flaky: TaskHandler = {
    retry: { maxAttempts: 4, baseMs: 10, maxMs: 20 },
    breaker: { failureThreshold: 1, resetMs: 200, halfOpenMax: 1 },
    ...(fallback ? { fallback: 'backup' } : {}),
    run: async (task, ctx) => {
      calls.push({ task: task.id, atMs: sim?.nowMs ?? 0 })
      // The first call fails and opens the breaker; every later one is a slow success (the probe).
      if (calls.length === 1) throw new Error('dependency down')
      await ctx.sleep(300)
      return `ok ${task.payload}`
    },
  }
  sim = await Simulation.create({
    seed,
    nodes: ['n1'],
    network: { latencyMs: [1, 5] },
    node: { members: ['n1'], handlers: { flaky, backup: { run: async () => 'fallback' } } },
  })
  await sim.runFor(1_500)
  const node = sim.node('n1')
  const first = await node.tasks.submit({ kind: 'flaky', payload: 1 })
  // Until the first attempt failed: the breaker is open for 200 ms.
  await sim.until(
    new Promise<void>((resolve) => {
      const off = node.on('task', (t) => {
        if (t.id === first && t.attempts >= 1 && t.status === 'running') {
          off()
          resolve()
        }
      })
    }),
    { maxMs: 2_000 },
  )
  const second = await node.tasks.submit({ kind: 'flaky', payload: 2 })
  const results = await sim.until(
    Promise.all([first, second].map((id) => node.tasks.result(id, { timeoutMs: 5_000 }))),
    { maxMs: 6_000 },
  )
  return { sim, node, results, calls, refusals: refusals.halfOpen(), ids: [first, second] }
}

describe('a run refused by a half-open breaker (≥ 10 seeds)', () => {
  it('waits for the probe on the node clock, then runs: no spin, no attempt spent', async () => {
    for (const seed of seeds) {
      const where = `seed ${seed} (SEEDS=${seed} npx vitest run test/work/breaker-half-open-sim.test.ts)`
      const { sim, node, results, calls, refusals, ids } = await run(seed, false)
      // One refusal per waiting run and probe at most: each waits for the breaker to change.
      expect(refusals, where).toBeLessThanOrEqual(1)
      expect(results, where).toEqual(['ok 1', 'ok 2'])
      // The failure, the probe, then the refused run once the probe closed the breaker.
      expect(calls, where).toHaveLength(3)
      const [, probe, after] = calls as [unknown, { atMs: number }, { atMs: number }]
      expect(after.atMs, where).toBeGreaterThanOrEqual(probe.atMs + 300)
      // The refusal spent no attempt: the one failed attempt is the first call's.
      const failed = ids.flatMap(
        (id) => node.tasks.get(id)?.history.filter((e) => e.type === 'attemptFailed') ?? [],
      )
      expect(failed, where).toHaveLength(1)
      expect(node.metrics().work, where).toMatchObject({ breakers: { flaky: 'closed' } })
      await sim.stop()
      vi.restoreAllMocks()
    }
  }, 120_000)

  it('spends an attempt on a CircuitOpenError the handler throws (its own breaker), and ends', async () => {
    const sim = await Simulation.create({
      seed: 1_250,
      nodes: ['n1'],
      network: { latencyMs: [1, 5] },
      node: {
        members: ['n1'],
        handlers: {
          llm: {
            retry: { maxAttempts: 3, baseMs: 10, maxMs: 20 },
            run: async () => {
              throw new CircuitOpenError('open', undefined)
            },
          },
        },
      },
    })
    await sim.runFor(1_500)
    const node = sim.node('n1')
    const id = await node.tasks.submit({ kind: 'llm' })
    const outcome = await sim.until(
      node.tasks.result(id, { timeoutMs: 5_000 }).then(
        () => 'completed',
        (error: unknown) => String(error),
      ),
      { maxMs: 6_000 },
    )
    expect(outcome).toMatch(/CircuitOpenError/)
    expect(node.tasks.get(id)).toMatchObject({ status: 'failed' })
    expect(node.tasks.get(id)?.history.filter((e) => e.type === 'attemptFailed')).toHaveLength(3)
    await sim.stop()
  }, 60_000)

  it('with a fallback kind, ends too (the probe closes the breaker, or the fallback runs)', async () => {
    for (const seed of seeds.slice(0, 3)) {
      const where = `seed ${seed}`
      const { sim, results, refusals } = await run(seed, true)
      expect(refusals, where).toBeLessThanOrEqual(1)
      for (const r of results) expect(['ok 1', 'ok 2', 'fallback'], where).toContain(r)
      await sim.stop()
      vi.restoreAllMocks()
    }
  }, 60_000)
})
