/**
 * Storage faults at the bytes: failed write batches, a power loss's fate for
 * unsynced writes (survive, vanish, the last append torn), and records that
 * rot while a node is down, only where another running node vouches for
 * every copy (the never-every-copy rule).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { eligible as rotEligible } from '../../sim/corruption.ts'
import {
  applyWrite,
  arbitraries,
  Simulation,
  StoreWriteError,
  type TraceRecord,
  type WorkloadOp,
} from '../../sim/index.ts'
import { compactingStore } from '../../sim/scenarios/index.ts'
import { drawSwarm, swarmPlan } from '../../sim/swarm.ts'
import { seededRandom } from '../../src/env/seeded-random.ts'
import type { AgentNode } from '../../src/node/agent-node.ts'
import { logKey, snapKey } from '../../store/keys.ts'
import { encodeLogEntryRecord, encodeSnapshot } from '../../store/payload.ts'
import { encodeRecord } from '../../store/record.ts'
import { type Probe, probeNode } from './probe-node.ts'

const bytes = (text: string) => new TextEncoder().encode(text)
const text = (b: Uint8Array | undefined) => (b === undefined ? undefined : new TextDecoder().decode(b))

function storeRecords(lines: string[]): Array<Extract<TraceRecord, { k: 'store' }>> {
  return lines.map((l) => JSON.parse(l) as TraceRecord).filter((r) => r.k === 'store') as Array<
    Extract<TraceRecord, { k: 'store' }>
  >
}

describe('storeFault: failed write batches', () => {
  it('the next n batches reject with StoreWriteError and write nothing; later writes go through', async () => {
    const sim = await Simulation.create<Probe>({ seed: 1, nodes: 1, createNode: probeNode })
    const store = sim.node('n1').store
    sim.storeFault('n1', { failWrites: 1 })
    // Two writes issued together are one group-committed batch: both fail.
    const first = [store.putMeta('a', bytes('1')), store.putMeta('b', bytes('2'))]
    for (const write of first) await expect(write).rejects.toBeInstanceOf(StoreWriteError)
    await expect(first[0]).rejects.toThrow('injected: disk full')
    await store.putMeta('c', bytes('3'))
    expect(text(await store.getMeta('a'))).toBeUndefined()
    expect(text(await store.getMeta('b'))).toBeUndefined()
    expect(text(await store.getMeta('c'))).toBe('3')
  })

  it('with storeSyncMs, the writes held for one sync fail together', async () => {
    const sim = await Simulation.create<Probe>({ seed: 1, nodes: 1, createNode: probeNode, storeSyncMs: 10 })
    const store = sim.node('n1').store
    sim.storeFault('n1', { failWrites: 1 })
    const held = [store.putMeta('a', bytes('1')), store.putMeta('b', bytes('2'))]
    const outcomes = await sim.until(Promise.allSettled(held))
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected'])
    await sim.until(store.putMeta('c', bytes('3')))
    expect(text(await store.getMeta('c'))).toBe('3')
  })
})

describe("crash(id, { lose: 'unsynced' }): a power loss", () => {
  it('never loses an acknowledged append; unsynced ones survive, vanish or (the last) come back torn, by seed', async () => {
    const seen = new Set<string>()
    for (let seed = 1; seed <= 30 && seen.size < 3; seed++) {
      const lines: string[] = []
      const sim = await Simulation.create<Probe>({
        seed,
        nodes: 1,
        createNode: probeNode,
        storeSyncMs: 20,
        trace: { sink: (l) => lines.push(l) },
      })
      const store = sim.node('n1').store
      const entry = (seq: number) => ({ dot: { origin: 'x', seq }, update: bytes(`u${seq}`) })
      await sim.until(store.append('d', 'yjs', entry(1)))
      for (const seq of [2, 3]) void store.append('d', 'yjs', entry(seq)).catch(() => undefined)
      await sim.runFor(5)
      sim.crash('n1', { lose: 'unsynced' })
      sim.restart('n1')
      await sim.runFor(50)
      const fresh = sim.node('n1').store
      const loaded = await fresh.load('d')
      const seqs = loaded?.updates.map((u) => u.dot.seq) ?? []
      // The acknowledged append is always there, intact.
      expect(seqs[0]).toBe(1)
      expect(text(loaded?.updates[0]?.update)).toBe('u1')
      const loss = storeRecords(lines).find((r) => r.what === 'power-loss')
      const detail = loss?.detail as { survived: number; vanished: number; torn?: string } | undefined
      expect(detail === undefined ? 0 : detail.survived + detail.vanished).toBe(2)
      if (detail?.torn !== undefined) seen.add('torn')
      if ((detail?.vanished ?? 0) > 0) seen.add('vanished')
      if (detail?.torn === undefined && (detail?.survived ?? 0) > 0) seen.add('survived')
      // What loads is an in-order subset of the unsynced tail (a torn record is skipped as corrupt).
      expect(seqs.every((s, i) => i === 0 || s > (seqs[i - 1] as number))).toBe(true)
    }
    expect([...seen].sort()).toEqual(['survived', 'torn', 'vanished'])
  })
})

describe('corrupt(id, { records }): rot while down, never every copy', () => {
  const doc = 'plan'
  const log = (origin: string, seq: number) =>
    encodeLogEntryRecord({ backend: 'yjs', dot: { origin, seq }, update: bytes('u') })
  const snap = (covers: Record<string, number>) =>
    encodeRecord(encodeSnapshot({ backend: 'yjs', compactedThroughSeq: 9, covers, bytes: bytes('s') }))
  const witnesses = (others: Array<Record<string, number>>, last?: Record<string, number>) => ({
    others: others.map((v) => new Map([[doc, v]])),
    lastKnown: last === undefined ? undefined : new Map([[doc, last]]),
  })

  it('a log entry rots only if another running node claims its dot for that document', () => {
    expect(rotEligible(logKey(doc, 1), log('n1', 3), witnesses([{ n1: 3 }]))).toBe(true)
    expect(rotEligible(logKey(doc, 1), log('n1', 4), witnesses([{ n1: 3 }, { n2: 9 }]))).toBe(false)
    expect(rotEligible(logKey(doc, 1), log('n1', 3), witnesses([]))).toBe(false)
    // Another document's vector does not vouch for this one.
    const elsewhere = { others: [new Map([['notes', { n1: 9 }]])], lastKnown: undefined }
    expect(rotEligible(logKey(doc, 1), log('n1', 1), elsewhere)).toBe(false)
  })

  it('a dotless entry rots only if another running node dominates what the down node last claimed', () => {
    expect(rotEligible(logKey(doc, 1), log('', 0), witnesses([{ n1: 3, n2: 2 }], { n1: 3 }))).toBe(true)
    expect(rotEligible(logKey(doc, 1), log('', 0), witnesses([{ n1: 2 }], { n1: 3 }))).toBe(false)
    expect(rotEligible(logKey(doc, 1), log('', 0), witnesses([{ n1: 9 }]))).toBe(false)
  })

  it('a snapshot rots only if its covers are claimed and the down node is dominated; other kinds never', () => {
    expect(rotEligible(snapKey(doc), snap({ n1: 2, n2: 1 }), witnesses([{ n1: 2, n2: 1 }], { n1: 2 }))).toBe(
      true,
    )
    expect(rotEligible(snapKey(doc), snap({ n1: 2, n2: 1 }), witnesses([{ n1: 2 }], { n1: 2 }))).toBe(false)
    expect(rotEligible('meta!sync%002Fplan', encodeRecord(bytes('x')), witnesses([{ n1: 9 }]))).toBe(false)
    expect(rotEligible('isthmus!format', encodeRecord(bytes('x')), witnesses([{ n1: 9 }]))).toBe(false)
    // An already damaged record is left alone.
    const damaged = log('n1', 1).slice()
    damaged[2] = (damaged[2] as number) ^ 0xff
    expect(rotEligible(logKey(doc, 1), damaged, witnesses([{ n1: 9 }]))).toBe(false)
  })

  async function writes(sim: Simulation<AgentNode>, node: string, n: number): Promise<void> {
    const write = applyWrite()
    for (let i = 0; i < n; i++) {
      const op: WorkloadOp = {
        atMs: 0,
        node,
        op: 'write',
        args: { doc, backend: 'yjs', key: `k${i}`, value: 'v' },
      }
      await sim.until(write(sim.node(node), op, sim))
    }
  }

  it('with real nodes: rots held copies when peers vouch for them; a traced no-op when nobody does', async () => {
    const lines: string[] = []
    const sim = await Simulation.create({ seed: 3, nodes: 3, trace: { sink: (l) => lines.push(l) } })
    await writes(sim, 'n1', 4)
    expect((await sim.runUntilQuiet({ maxMs: 10_000 })).quiet).toBe(true)
    sim.crash('n3')
    sim.corrupt('n3', { records: 2 })
    // Nobody else holds what n1 writes while cut off, so none of it may rot.
    sim.isolate('n1')
    await writes(sim, 'n1', 3)
    const solo = sim.node('n1').documentVectors()
    sim.crash('n1')
    sim.corrupt('n1', { records: 50 })
    sim.corrupt('n2', { records: 1 }) // running: skipped
    await sim.runFor(10)
    const rots = storeRecords(lines)
    // n3 got n1's writes through one sync exchange: one dotless record, which n1 and n2 vouch for.
    expect(rots.find((r) => r.node === 'n3')).toMatchObject({
      what: 'rot',
      detail: [{ key: logKey(doc, 1) }],
    })
    const rotted = ((rots.find((r) => r.node === 'n1')?.detail ?? []) as Array<{ key: string }>).map(
      (r) => r.key,
    )
    // Of n1's 7 log entries only the 4 that n2 also holds rot; the 3 written while cut off stay intact.
    expect(solo.find(([name]) => name === doc)?.[1].n1).toBe(7)
    expect(rotted.sort()).toEqual([1, 2, 3, 4].map((seq) => logKey(doc, seq)))
    const db = sim.rawStore('n1')
    for (const seq of [5, 6, 7]) {
      const value = (await db?.get(logKey(doc, seq))) as Uint8Array
      expect(rotEligible(logKey(doc, seq), value, { others: [], lastKnown: undefined })).toBe(false)
      expect(value[0]).toBe(1)
    }
    const skipped = lines
      .map((l) => JSON.parse(l))
      .find((r) => r.k === 'fault' && r.fault === 'corrupt' && r.args[0] === 'n2')
    expect(skipped?.skipped).toMatch(/n2 is running/)
    await sim.stop()
  })
})

describe('compacting stores', () => {
  it('named scenarios run with thresholds that compact every node many times, recorded in the trace', async () => {
    const lines: string[] = []
    const sim = await Simulation.create({
      seed: 2,
      nodes: 3,
      storeOptions: compactingStore,
      trace: { sink: (l) => lines.push(l) },
    })
    const write = applyWrite()
    for (let i = 0; i < 20; i++) {
      const op: WorkloadOp = {
        atMs: 0,
        node: `n${1 + (i % 3)}`,
        op: 'write',
        args: { doc: 'plan', backend: 'yjs', key: 'k', value: 'v' },
      }
      await sim.until(write(sim.node(op.node), op, sim))
    }
    await sim.runUntilQuiet({ maxMs: 10_000 })
    for (const id of sim.ids) {
      const keys = ((await sim.rawStore(id)?.keys().all()) ?? []) as string[]
      // 20 updates against a threshold of 4 entries: the log was folded into a snapshot again and again.
      expect(keys).toContain(snapKey('plan'))
      expect(keys.filter((k) => k.includes('!log!')).length).toBeLessThanOrEqual(
        compactingStore.compactCount ?? 0,
      )
    }
    expect(JSON.parse(lines[0] as string).options.store).toEqual(compactingStore)
    expect(sim.check().ok).toBe(true)
    await sim.stop()
  })
})

describe('storage faults in plans and swarms', () => {
  it('fast-check generates storeFault, power losses and rot (each rot inside a crash and a restart)', () => {
    const plans = fc.sample(
      arbitraries.faultPlan({ nodes: 3, durationMs: 1000, kinds: ['storeFault', 'corrupt', 'crash'] }),
      { numRuns: 200, seed: 5 },
    )
    const steps = plans.flat()
    expect(steps.some((s) => s.fault === 'storeFault')).toBe(true)
    expect(
      steps.some((s) => s.fault === 'crash' && (s.args[1] as { lose?: string })?.lose === 'unsynced'),
    ).toBe(true)
    for (const plan of plans) {
      plan.forEach((s, i) => {
        if (s.fault !== 'corrupt') return
        expect(plan.slice(0, i).some((p) => p.fault === 'crash' && p.args[0] === s.args[0])).toBe(true)
        expect(plan.slice(i).some((p) => p.fault === 'restart' && p.args[0] === s.args[0])).toBe(true)
      })
    }
  })

  it('a swarm seed draws storage fault rates and turns them into steps', () => {
    let withStorage = 0
    for (let seed = 1; seed <= 40; seed++) {
      const draw = drawSwarm(seededRandom(seed).fork('swarm'))
      const plan = swarmPlan(['n1', 'n2', 'n3'], 60_000, draw.rates, seededRandom(seed).fork('plan'))
      if (plan.some((s) => s.fault === 'storeFault' || s.fault === 'corrupt')) withStorage++
      expect(draw.rates).toHaveProperty('powerLossesPerMin')
    }
    expect(withStorage).toBeGreaterThan(10)
  })
})
