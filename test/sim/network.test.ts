import { describe, expect, it } from 'vitest'
import { type NetworkOptions, Simulation } from '../../sim/index.ts'
import { eventsOf, framesFrom, type Probe, probeNode } from './probe-node.ts'

async function probes(network: NetworkOptions, nodes = 3, seed = 1) {
  const sim = await Simulation.create<Probe>({ seed, nodes, network, createNode: probeNode })
  await sim.runFor(100)
  return sim
}

function sendMany(from: Probe, to: string, count: number): number {
  let accepted = 0
  for (let i = 0; i < count; i++) if (from.transport.send(to, new Uint8Array([i % 256, i >> 8]))) accepted++
  return accepted
}

describe('the simulated network', () => {
  it('keeps per-link FIFO under wide latency jitter when reordering is off', async () => {
    const sim = await probes({ latencyMs: [1, 200] })
    expect(sendMany(sim.node('n1'), 'n2', 200)).toBe(200)
    await sim.runFor(1000)
    expect(framesFrom(sim.node('n2'), 'n1')).toEqual(Array.from({ length: 200 }, (_, i) => i % 256))
    expect(sim.check()).toEqual({ ok: true, violations: [] })
  })

  it('reorders frames when asked', async () => {
    const sim = await probes({ latencyMs: [1, 200], reorder: true })
    sendMany(sim.node('n1'), 'n2', 200)
    await sim.runFor(1000)
    const got = framesFrom(sim.node('n2'), 'n1')
    expect([...got].sort((a, b) => a - b)).toEqual(
      Array.from({ length: 200 }, (_, i) => i % 256).sort((a, b) => a - b),
    )
    expect(got).not.toEqual(Array.from({ length: 200 }, (_, i) => i % 256))
  })

  it('loses and duplicates frames at the rates asked, and counts them in the figures', async () => {
    const sim = await probes({ loss: 0.3, duplicate: 0.2 })
    for (let round = 0; round < 20; round++) {
      sendMany(sim.node('n1'), 'n2', 100)
      await sim.runFor(50)
    }
    const f = sim.figures()
    const lossRate = f.drops / 2000
    expect(lossRate).toBeGreaterThan(0.26)
    expect(lossRate).toBeLessThan(0.34)
    expect(f.duplicates / (2000 - f.drops)).toBeGreaterThan(0.16)
    expect(f.duplicates / (2000 - f.drops)).toBeLessThan(0.24)
    expect(f.deliveries).toBe(2000 - f.drops + f.duplicates)
  })

  it('refuses sends to unknown, unconnected and oversized destinations', async () => {
    const sim = await probes({ frameBytesMax: 1024 })
    const n1 = sim.node('n1')
    expect(n1.transport.send('nobody', new Uint8Array(1))).toBe(false)
    expect(n1.transport.send('n1', new Uint8Array(1))).toBe(false)
    expect(n1.transport.send('n2', new Uint8Array(1025))).toBe(false)
    expect(n1.transport.send('n2', new Uint8Array(1024))).toBe(true)
  })

  it('a partition: both sides see disconnect after disconnectDetectMs, frames in flight are lost; heal reconnects', async () => {
    const sim = await probes({ latencyMs: [50, 50], disconnectDetectMs: 300, connectMs: 40 })
    const [n1, n3] = [sim.node('n1'), sim.node('n3')]
    sendMany(n1, 'n3', 3)
    sim.partition([['n1'], ['n2', 'n3']])
    const cutAt = sim.nowMs
    // Until it notices, n1 believes the connection is up: sends are accepted and lost.
    expect(n1.transport.send('n3', new Uint8Array([9]))).toBe(true)
    await sim.runFor(1000)
    expect(framesFrom(n3, 'n1')).toEqual([])
    expect(eventsOf(n1, 'disconnect', 'n3')).toEqual([cutAt + 300])
    expect(eventsOf(n3, 'disconnect', 'n1')).toEqual([cutAt + 300])
    expect(eventsOf(sim.node('n2'), 'disconnect', 'n3')).toEqual([])
    expect(n1.transport.send('n3', new Uint8Array([9]))).toBe(false)
    expect(n1.transport.connected()).toEqual([])
    sim.heal()
    const healAt = sim.nowMs
    await sim.runFor(200)
    expect(eventsOf(n1, 'connect', 'n3').at(-1)).toBe(healAt + 40)
    expect(n1.transport.send('n3', new Uint8Array([7]))).toBe(true)
    await sim.runFor(100)
    expect(framesFrom(n3, 'n1')).toEqual([7])
    expect(sim.check().ok).toBe(true)
  })

  it('a one-way cut keeps the connection up and black-holes one direction only', async () => {
    const sim = await probes({})
    sim.oneWay('n1', 'n2')
    await sim.runFor(2000)
    expect(sim.node('n1').transport.connected()).toContain('n2')
    expect(sim.node('n1').transport.send('n2', new Uint8Array([1]))).toBe(true)
    expect(sim.node('n2').transport.send('n1', new Uint8Array([2]))).toBe(true)
    await sim.runFor(100)
    expect(framesFrom(sim.node('n2'), 'n1')).toEqual([])
    expect(framesFrom(sim.node('n1'), 'n2')).toEqual([2])
  })

  it('a crash: peers see disconnect, frames to it are lost, its timers never fire; restart reconnects', async () => {
    const sim = await probes({ disconnectDetectMs: 250 })
    const old = sim.node('n2')
    let fired = false
    old.env.clock.setTimer(100, () => {
      fired = true
    })
    sendMany(sim.node('n1'), 'n2', 5)
    sim.crash('n2')
    expect(sim.status('n2')).toBe('crashed')
    expect(() => sim.node('n2')).toThrow(/crashed/)
    await sim.runFor(1000)
    expect(fired).toBe(false)
    expect(framesFrom(old, 'n1')).toEqual([])
    expect(eventsOf(sim.node('n1'), 'disconnect', 'n2')).toEqual([100 + 250])
    expect(old.transport.send('n1', new Uint8Array([1]))).toBe(false)
    sim.restart('n2')
    await sim.runFor(200)
    const fresh = sim.node('n2')
    expect(fresh).not.toBe(old)
    expect(fresh.incarnation).toBe(1)
    expect([...fresh.transport.connected()].sort()).toEqual(['n1', 'n3'])
    expect(eventsOf(sim.node('n1'), 'connect', 'n2')).toHaveLength(2)
  })

  it('a pause holds a node’s frames and timers, then runs them in order when it resumes', async () => {
    const sim = await probes({ latencyMs: [5, 5] })
    const n2 = sim.node('n2')
    const fired: number[] = []
    n2.env.clock.setTimer(50, () => fired.push(sim.nowMs))
    sim.pause('n2', 500)
    const pausedAt = sim.nowMs
    sendMany(sim.node('n1'), 'n2', 10)
    await sim.runFor(400)
    expect(fired).toEqual([])
    expect(framesFrom(n2, 'n1')).toEqual([])
    await sim.runFor(200)
    expect(fired).toEqual([pausedAt + 500])
    expect(framesFrom(n2, 'n1')).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
  })

  it('skew offsets a clock, drift changes its rate, and now() never goes backwards', async () => {
    const sim = await probes({})
    const clock = sim.node('n1').env.clock
    const t0 = clock.now()
    sim.skew('n1', 1000)
    expect(clock.now()).toBe(t0 + 1000)
    sim.skew('n1', -5000)
    expect(clock.now()).toBe(t0 + 1000)
    await sim.runFor(7000)
    expect(clock.now()).toBe(t0 + 2000)
    sim.skew('n1', 0)
    sim.drift('n1', 2)
    const start = clock.now()
    const globalStart = sim.nowMs
    let firedAt = 0
    clock.setTimer(1000, () => {
      firedAt = sim.nowMs
    })
    await sim.runFor(1000)
    expect(firedAt).toBe(globalStart + 500)
    expect(clock.now()).toBe(start + 2000)
  })

  it('swizzle cuts links one pair at a time, then restores every one', async () => {
    const sim = await probes({}, 5)
    sim.swizzle({ stepMs: 100, nodes: ['n1', 'n2', 'n3', 'n4'] })
    const cutCounts: number[] = []
    for (let i = 0; i < 12; i++) {
      await sim.runFor(100)
      cutCounts.push(sim.network.cutLinks().length / 2)
    }
    expect(cutCounts.slice(0, 6)).toEqual([2, 3, 4, 5, 6, 5])
    expect(sim.network.cutLinks()).toEqual([])
    await sim.runFor(100)
    for (const id of sim.ids) expect(sim.node(id).transport.connected()).toHaveLength(4)
  })

  it('heal voids the rest of a swizzle under way', async () => {
    const sim = await probes({}, 4)
    sim.swizzle({ stepMs: 100 })
    await sim.runFor(150)
    sim.heal()
    await sim.runFor(2000)
    expect(sim.network.cutLinks()).toEqual([])
  })
})
