/**
 * The invariants over real nodes must be able to fail. Each test wraps the
 * real AgentNode so that it breaks one promise of DESIGN.md §4 and shows the
 * checker that catches it: a node that does not replicate, one that drops
 * every third write while acknowledging it, one that acknowledges
 * `replicas: 2` without a second copy, one whose version vector lies, and one
 * that rejects every write. The same seed gives the same trace hash twice.
 */
import { describe, expect, it } from 'vitest'
import { writesFromSeed } from '../../sim/agent-workload.ts'
import {
  agentNodeFactory,
  applyWrite,
  runScenario,
  type SimNodeFactory,
  Simulation,
  type Verdict,
  type WorkloadOp,
} from '../../sim/index.ts'
import type { AgentNode } from '../../src/node/agent-node.ts'
import { AGENT_IDS, runAgentScenario } from './agent-run.ts'

/** Frame type byte of heartbeats in wire format v1 (src/sync/wire.ts). */
const HEARTBEAT_TYPE = 1

/** Replicates nothing: only heartbeats leave the node. */
const mute: SimNodeFactory<AgentNode> = (ctx) => {
  const transport = ctx.transport
  const muted = Object.create(transport) as typeof transport
  muted.send = (peer, frame) => (frame[1] === HEARTBEAT_TYPE ? transport.send(peer, frame) : true)
  return agentNodeFactory({ ...ctx, transport: muted })
}

type Change = (
  fn: (doc: unknown) => void,
  options?: { replicas?: number; timeoutMs?: number },
) => Promise<void>

/**
 * Wraps the real node so that `change` goes through `wrap` (the rest of the
 * node is the real one, so the checkers read its real state).
 */
function wrapChanges(wrap: (real: Change, n: number) => Change): SimNodeFactory<AgentNode> {
  return async (ctx) => {
    const node = await agentNodeFactory(ctx)
    let n = 0
    const doc = node.doc.bind(node) as (name: string, options?: object) => Promise<{ change: Change }>
    Object.defineProperty(node, 'doc', {
      value: async (name: string, options?: object) => {
        const handle = await doc(name, options)
        const real = handle.change.bind(handle)
        return Object.assign(Object.create(handle), { change: wrap(real, ++n) })
      },
    })
    return node
  }
}

/** Acknowledges every third write without making it. */
const dropsEveryThird = wrapChanges(
  (real, n) => (fn, options) => (n % 3 === 0 ? Promise.resolve() : real(fn, options)),
)

/** Resolves `replicas: k` writes as soon as they are local, and never replicates. */
const liesAboutReplicas: SimNodeFactory<AgentNode> = async (ctx) => {
  const base = wrapChanges((real) => (fn, options) => real(fn, { ...options, replicas: 1 }))
  return base({ ...ctx, transport: Object.assign(Object.create(ctx.transport), { send: () => true }) })
}

/** Rejects every write with an error no fault explains. */
const rejectsWrites = wrapChanges(() => () => Promise.reject(new Error('broken: refuses writes')))

/** Reports one more batch from a node that does not exist. */
const liesAboutVector: SimNodeFactory<AgentNode> = async (ctx) => {
  const node = await agentNodeFactory(ctx)
  const real = node.versionVector.bind(node)
  Object.defineProperty(node, 'versionVector', {
    value: () => ({ ...real(), ghost: ctx.id === 'n2' ? 1 : 0 }),
  })
  return node
}

function run(createNode: SimNodeFactory<AgentNode>, seed = 7): Promise<Verdict> {
  return runScenario<AgentNode>({
    seed,
    nodes: AGENT_IDS,
    createNode,
    node: { heartbeatMs: 250, members: AGENT_IDS },
    workload: writesFromSeed(seed, AGENT_IDS, 3000),
    durationMs: 3000,
    livenessMsMax: 3000,
  })
}

const names = (v: Verdict) => new Set(v.violations.map((x) => x.invariant))

describe('agent invariants catch broken nodes', () => {
  it('a node that does not replicate: not settled, documents differ, writes missing', async () => {
    const verdict = await run(mute)
    expect(verdict.figures.opsDone).toBeGreaterThan(5)
    expect(verdict.ok).toBe(false)
    for (const invariant of ['liveness', 'doc-convergence', 'no-lost-write', 'vectors-equal'])
      expect(names(verdict)).toContain(invariant)
  })

  it('a node that acknowledges every third write without making it: no-lost-write, by value', async () => {
    const verdict = await run(dropsEveryThird)
    expect(verdict.ok).toBe(false)
    // Every replica agrees (the write never existed), so only the by-value check can see it.
    expect(names(verdict)).toContain('no-lost-write')
    expect(names(verdict)).not.toContain('doc-convergence')
    expect(verdict.violations.find((v) => v.invariant === 'no-lost-write')?.detail).toMatch(
      /lacks (plan|notes) k\d+\//,
    )
  })

  it('a node that acknowledges replicas: 2 with one copy: replicas-durable, at the moment it resolves', async () => {
    const verdict = await run(liesAboutReplicas)
    const found = verdict.violations.filter((v) => v.invariant === 'replicas-durable')
    expect(found.length).toBeGreaterThan(0)
    expect(found[0]?.detail).toMatch(/with replicas: 2, held by 1/)
    expect(found[0]?.atMs).toBeLessThan(3000)
  })

  it('a node whose version vector lies: vectors-equal', async () => {
    const verdict = await run(liesAboutVector)
    expect(names(verdict)).toContain('vectors-equal')
  })

  it('a node that rejects every write: each failure traced and unexplained, and nothing acknowledged fails the run', async () => {
    const lines: string[] = []
    const verdict = await runScenario<AgentNode>({
      seed: 7,
      nodes: AGENT_IDS,
      createNode: rejectsWrites,
      node: { heartbeatMs: 250, members: AGENT_IDS },
      workload: writesFromSeed(7, AGENT_IDS, 3000),
      durationMs: 3000,
      trace: { sink: (l) => lines.push(l) },
    })
    expect(verdict.figures.opsDone).toBe(0)
    expect(verdict.figures.opErrors).toBe(verdict.figures.opErrorsUnexplained)
    expect(verdict.figures.opErrors).toBeGreaterThan(5)
    expect(names(verdict)).toEqual(new Set(['op-error', 'workload-acked']))
    const traced = lines.map((l) => JSON.parse(l)).filter((r) => r.k === 'op-error')
    expect(traced[0]).toMatchObject({ error: 'Error', message: 'broken: refuses writes', expected: false })
  })

  it('an injected write failure is expected, not a violation', async () => {
    const lines: string[] = []
    const workload: WorkloadOp[] = [
      { atMs: 100, node: 'n1', op: 'write', args: { doc: 'plan', backend: 'yjs', key: 'a', value: 'x' } },
      { atMs: 400, node: 'n1', op: 'write', args: { doc: 'plan', backend: 'yjs', key: 'b', value: 'y' } },
    ]
    const verdict = await runScenario<AgentNode>({
      seed: 3,
      nodes: 3,
      plan: [{ atMs: 50, fault: 'storeFault', args: ['n1', { failWrites: 1 }] }],
      workload,
      durationMs: 1000,
      trace: { sink: (l) => lines.push(l) },
    })
    const errors = lines.map((l) => JSON.parse(l)).filter((r) => r.k === 'op-error')
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({ node: 'n1', index: 0, error: 'StoreWriteError', expected: true })
    expect(verdict.violations.filter((v) => v.invariant === 'op-error')).toEqual([])
    expect(verdict.figures.opsDone).toBe(1)
  })

  it('an unknown workload operation is rejected when the workload is parsed, naming it', async () => {
    const workload = [{ atMs: 1, node: 'n1', op: 'frob', args: {} }]
    await expect(runScenario({ seed: 1, nodes: 3, workload })).rejects.toThrow(
      'workload[0].op: unknown operation "frob" (known: write, submit)',
    )
    const bad = [
      { atMs: 1, node: 'n1', op: 'write', args: { doc: 'plan', backend: 'sqlite', key: 'a', value: '' } },
    ]
    await expect(runScenario({ seed: 1, nodes: 3, workload: bad })).rejects.toThrow(
      'workload[0].args.backend: expected "yjs" or "automerge"',
    )
  })
})

describe('sim.check() and runUntilQuiet with real nodes', () => {
  it('check() includes convergence and no-lost-write by default, and they fail while a write is stranded', async () => {
    const sim = await Simulation.create({ seed: 5, nodes: 3 })
    expect(sim.agentChecks).toBe(true)
    expect(sim.checkers.names()).toEqual(
      expect.arrayContaining(['doc-convergence', 'no-lost-write', 'vectors-equal']),
    )
    sim.isolate('n1')
    const op: WorkloadOp = {
      atMs: 0,
      node: 'n1',
      op: 'write',
      args: { doc: 'plan', backend: 'yjs', key: 'a', value: 'v' },
    }
    await sim.until(applyWrite()(sim.node('n1'), op, sim))
    const partitioned = await sim.runUntilQuiet({ maxMs: 5000 })
    // Each side settles on its own: n1 alone, n2 with n3.
    expect(partitioned.quiet).toBe(true)
    expect(new Set(sim.check().violations.map((v) => v.invariant))).toEqual(
      new Set(['doc-convergence', 'no-lost-write', 'vectors-equal']),
    )
    sim.heal()
    const healed = await sim.runUntilQuiet({ maxMs: 10_000 })
    expect(healed).toMatchObject({ quiet: true, reasons: [] })
    expect(sim.check()).toEqual({ ok: true, violations: [] })
    await sim.stop()
  })

  it('runUntilQuiet reports { quiet: false } with the reasons when a node never replicates', async () => {
    const sim = await Simulation.create({ seed: 5, nodes: 3, createNode: mute, node: { heartbeatMs: 250 } })
    const op: WorkloadOp = {
      atMs: 0,
      node: 'n1',
      op: 'write',
      args: { doc: 'plan', backend: 'yjs', key: 'a', value: 'v' },
    }
    await sim.until(applyWrite()(sim.node('n1'), op, sim))
    const result = await sim.runUntilQuiet({ maxMs: 3000 })
    expect(result.quiet).toBe(false)
    expect(result.reasons.join('; ')).toMatch(/n1 and n2 differ/)
    await sim.stop()
  })
})

describe('determinism', () => {
  it('the same seed gives the same trace hash; another seed a different one', async () => {
    const a = await runAgentScenario({ scenario: 'partition-heal', seed: 11 })
    const b = await runAgentScenario({ scenario: 'partition-heal', seed: 11 })
    const c = await runAgentScenario({ scenario: 'partition-heal', seed: 12 })
    expect(a.traceHash).toBe(b.traceHash)
    expect(c.traceHash).not.toBe(a.traceHash)
  })
})
