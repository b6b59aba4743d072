/**
 * The libp2p transport between real nodes on 127.0.0.1: connection events,
 * frames whole and in order both ways, disconnect on stop, identity kept
 * across restarts.
 */
import fc from 'fast-check'
import { describe, expect, it, vi } from 'vitest'
import { TransportStateError } from '../../transport/libp2p-errors.ts'
import { propertyOptions } from '../crdt/property-options.ts'
import {
  count,
  firstDifference,
  framesFrom,
  memoryIdentity,
  patternBytes,
  peersStoppedAfterEach,
  startPeer,
  stopAll,
  testEnv,
} from './harness.ts'

const peer = peersStoppedAfterEach()

/** Frame sizes for the property: empty, tiny, a few KiB, and up to just over 1 MiB. */
const frameSize = fc.oneof(
  fc.constantFrom(0, 1, 1024 * 1024),
  fc.integer({ min: 0, max: 4096 }),
  fc.integer({ min: 0, max: 1024 * 1024 + 17 }),
)

describe('libp2p transport', () => {
  it('connects two nodes: one connect event each side, ids are peer ids, addresses end in /p2p/<id>', async () => {
    const a = await peer()
    const b = await peer()
    expect(a.address).toMatch(new RegExp(`^/ip4/127\\.0\\.0\\.1/tcp/\\d+/p2p/${a.id}$`))
    expect(await a.transport.dial(b.address)).toBe(b.id)
    await vi.waitFor(() => expect(b.transport.connected().includes(a.id), 'b sees a').toBe(true), {
      timeout: 10_000,
      interval: 10,
    })
    expect(a.transport.connected()).toEqual([b.id])
    expect(b.transport.connected()).toEqual([a.id])
    expect(count(a, 'connect', b.id)).toBe(1)
    expect(count(b, 'connect', a.id)).toBe(1)
  })

  it('settles on one stream when both sides dial each other at once', async () => {
    const a = await peer()
    const b = await peer()
    const [toB, toA] = await Promise.all([a.transport.dial(b.address), b.transport.dial(a.address)])
    expect([toB, toA]).toEqual([b.id, a.id])
    await vi.waitFor(
      () =>
        expect(
          (() => {
            a.transport.send(b.id, new Uint8Array([7]))
            return framesFrom(b, a.id).length > 0
          })(),
          'frame',
        ).toBe(true),
      { timeout: 10_000, interval: 10 },
    )
    expect(count(a, 'connect', b.id)).toBe(1)
    expect(count(b, 'connect', a.id)).toBe(1)
    expect(count(a, 'disconnect', b.id) + count(b, 'disconnect', a.id)).toBe(0)
  })

  it('delivers frames whole and in order in both directions (property, sizes 0 B to 1 MiB)', async () => {
    const a = await peer()
    const b = await peer()
    await a.transport.dial(b.address)
    await vi.waitFor(() => expect(b.transport.connected().includes(a.id), 'b sees a').toBe(true), {
      timeout: 10_000,
      interval: 10,
    })
    await fc.assert(
      fc.asyncProperty(
        fc.array(frameSize, { minLength: 1, maxLength: 6 }),
        fc.array(frameSize, { minLength: 0, maxLength: 6 }),
        fc.integer(),
        async (sizesAtoB, sizesBtoA, seed) => {
          const toB = sizesAtoB.map((size, i) => patternBytes(size, seed, i))
          const toA = sizesBtoA.map((size, i) => patternBytes(size, seed, 100 + i))
          const beforeB = framesFrom(b, a.id).length
          const beforeA = framesFrom(a, b.id).length
          for (const frame of toB) expect(a.transport.send(b.id, frame)).toBe(true)
          for (const frame of toA) expect(b.transport.send(a.id, frame)).toBe(true)
          await vi.waitFor(
            () =>
              expect(
                (() => {
                  return (
                    framesFrom(b, a.id).length >= beforeB + toB.length &&
                    framesFrom(a, b.id).length >= beforeA + toA.length
                  )
                })(),
                'all frames',
              ).toBe(true),
            { timeout: 10_000, interval: 10 },
          )
          expect(firstDifference(framesFrom(b, a.id).slice(beforeB), toB)).toBe(-1)
          expect(firstDifference(framesFrom(a, b.id).slice(beforeA), toA)).toBe(-1)
        },
      ),
      propertyOptions('test/transport/libp2p.test.ts', 100),
    )
    expect(a.transport.stats().dropped.queueFull).toBe(0)
  })

  it('queues without blocking up to a bound, then refuses and counts; what it took arrives in order', async () => {
    const a = await peer()
    const b = await peer()
    await a.transport.dial(b.address)
    await vi.waitFor(() => expect(b.transport.connected().includes(a.id), 'b sees a').toBe(true), {
      timeout: 10_000,
      interval: 10,
    })
    // 64 KiB frames sent in one synchronous burst: the muxer's window fills after a few,
    // the queue takes the rest up to its byte bound, and the remainder is refused.
    const burst = Array.from({ length: 1500 }, (_, i) => patternBytes(64 * 1024, 7, i))
    const accepted = burst.filter((frame) => a.transport.send(b.id, frame))
    expect(accepted.length).toBeGreaterThan(500)
    expect(accepted.length).toBeLessThan(burst.length)
    expect(firstDifference(accepted, burst.slice(0, accepted.length))).toBe(-1)
    expect(a.transport.stats().dropped.queueFull).toBe(burst.length - accepted.length)
    await vi.waitFor(
      () => expect(framesFrom(b, a.id).length === accepted.length, 'the accepted frames').toBe(true),
      { timeout: 30_000, interval: 10 },
    )
    expect(firstDifference(framesFrom(b, a.id), accepted)).toBe(-1)
    // Once drained, sends are taken again.
    expect(a.transport.send(b.id, new Uint8Array([1]))).toBe(true)
  })

  it('refuses to send a frame over frameBytesMax and accepts one exactly at it', async () => {
    const a = await peer({ frameBytesMax: 100_000 })
    const b = await peer({ frameBytesMax: 100_000 })
    await a.transport.dial(b.address)
    expect(a.transport.send(b.id, new Uint8Array(100_001))).toBe(false)
    expect(a.transport.stats().dropped.oversizeOut).toBe(1)
    expect(a.transport.send(b.id, new Uint8Array(100_000))).toBe(true)
    await vi.waitFor(() => expect(framesFrom(b, a.id).length === 1, 'frame at the bound').toBe(true), {
      timeout: 10_000,
      interval: 10,
    })
  })

  it('three nodes: everyone connects to everyone, frames reach the right peer', async () => {
    const a = await peer()
    const b = await peer({ bootstrap: [a.address] })
    const c = await peer({ bootstrap: [a.address] })
    await c.transport.dial(b.address)
    await vi.waitFor(
      () =>
        expect(
          [a, b, c].every((p) => p.transport.connected().length === 2),
          'full mesh',
        ).toBe(true),
      { timeout: 10_000, interval: 10 },
    )
    for (const [from, to] of [
      [a, b],
      [b, c],
      [c, a],
    ] as const) {
      expect(from.transport.send(to.id, new TextEncoder().encode(`${from.id}->${to.id}`))).toBe(true)
    }
    await vi.waitFor(
      () =>
        expect(
          [a, b, c].every((p) => p.heard.some((h) => h.kind === 'frame')),
          'three frames',
        ).toBe(true),
      { timeout: 10_000, interval: 10 },
    )
    expect(new TextDecoder().decode(framesFrom(b, a.id)[0])).toBe(`${a.id}->${b.id}`)
    expect(new TextDecoder().decode(framesFrom(c, b.id)[0])).toBe(`${b.id}->${c.id}`)
    expect(new TextDecoder().decode(framesFrom(a, c.id)[0])).toBe(`${c.id}->${a.id}`)
    expect(framesFrom(a, b.id)).toEqual([])
  })

  it('on stop the peer sees disconnect once; the stopped side hears nothing more', async () => {
    const a = await peer()
    const b = await peer()
    await a.transport.dial(b.address)
    await vi.waitFor(() => expect(b.transport.connected().includes(a.id), 'b sees a').toBe(true), {
      timeout: 10_000,
      interval: 10,
    })
    await b.transport.stop()
    const heardAtStop = b.heard.length
    await vi.waitFor(() => expect(count(a, 'disconnect', b.id) === 1, 'a sees b leave').toBe(true), {
      timeout: 10_000,
      interval: 10,
    })
    expect(a.transport.connected()).toEqual([])
    expect(a.transport.send(b.id, new Uint8Array([1]))).toBe(false)
    expect(a.transport.stats().dropped.notConnected).toBe(1)
    expect(b.transport.connected()).toEqual([])
    expect(b.transport.addresses()).toEqual([])
    await expect(b.transport.dial(a.address)).rejects.toBeInstanceOf(TransportStateError)
    expect(b.heard.length).toBe(heardAtStop)
    expect(count(a, 'disconnect', b.id)).toBe(1)
  })

  it('keeps its id across restarts: the same transport, or a new one on the same identity store', async () => {
    const identity = memoryIdentity()
    const first = await peer({}, identity)
    expect(identity.saved).toBeInstanceOf(Uint8Array)
    await first.transport.stop()
    const restarted = await first.transport.start({
      env: testEnv(),
      identity,
      events: { frame() {}, connect() {}, disconnect() {} },
    })
    expect(restarted.id).toBe(first.id)
    const second = await peer({}, identity)
    expect(second.id).toBe(first.id)
    const stranger = await peer()
    expect(stranger.id).not.toBe(first.id)
  })

  it('skips itself in its bootstrap list, and fails start cleanly when its port is taken', async () => {
    const identity = memoryIdentity()
    const a = await peer({}, identity)
    await stopAll(a)
    const self = await peer(
      { listen: [a.address.replace(/\/p2p\/.*$/, '')], bootstrap: [a.address] },
      identity,
    )
    expect(self.id).toBe(a.id)
    const other = await peer({ bootstrap: [self.address] })
    await vi.waitFor(
      () => expect(self.transport.connected().includes(other.id), 'other connected').toBe(true),
      { timeout: 10_000, interval: 10 },
    )
    expect(self.transport.connected()).toEqual([other.id])
    await expect(startPeer({ listen: [self.address.replace(/\/p2p\/.*$/, '')] })).rejects.toThrow()
  })

  it('refuses to start twice and fails start on a corrupt identity with a named error', async () => {
    const a = await peer()
    await expect(
      a.transport.start({
        env: testEnv(),
        identity: a.identity,
        events: { frame() {}, connect() {}, disconnect() {} },
      }),
    ).rejects.toBeInstanceOf(TransportStateError)
    const corrupt = memoryIdentity()
    corrupt.saved = new Uint8Array([1, 2, 3])
    await expect(startPeer({}, corrupt)).rejects.toMatchObject({ name: 'TransportIdentityError' })
  })
})
