/**
 * Bootstrap peers are redialed with backoff: a peer that restarts on the same
 * port (same identity) is found again without anyone calling `dial`.
 */
import { describe, expect, it, vi } from 'vitest'
import { sinkLogger, systemEnv } from '../../src/env/index.ts'
import { count, fastReconnect, framesFrom, peersStoppedAfterEach, stopAll } from './harness.ts'

const peer = peersStoppedAfterEach()

describe('libp2p transport reconnect', () => {
  it('dials its bootstrap peers at start', async () => {
    const a = await peer()
    const b = await peer({ bootstrap: [a.address] })
    await vi.waitFor(
      () =>
        expect(
          b.transport.connected().includes(a.id) && a.transport.connected().includes(b.id),
          'connected',
        ).toBe(true),
      { timeout: 10_000, interval: 10 },
    )
    expect(count(b, 'connect', a.id)).toBe(1)
  })

  it('keeps redialing a bootstrap peer that is down until it is back', async () => {
    const a = await peer()
    const port = /\/tcp\/(\d+)\//.exec(a.address)?.[1]
    await stopAll(a)
    // b starts while a is down: its first dials fail and back off.
    let failedDials = 0
    const env = systemEnv({
      log: sinkLogger((entry) => {
        if (entry.msg === 'bootstrap dial failed') failedDials++
      }, 'debug'),
    })
    const b = await peer({ bootstrap: [a.address], reconnect: fastReconnect }, undefined, env)
    await vi.waitFor(() => expect(failedDials, 'failed dials while a is down').toBeGreaterThanOrEqual(2), {
      timeout: 10_000,
      interval: 10,
    })
    expect(b.transport.connected()).toEqual([])
    const back = await peer({ listen: [`/ip4/127.0.0.1/tcp/${port}`] }, a.identity)
    expect(back.id).toBe(a.id)
    await vi.waitFor(() => expect(b.transport.connected().includes(a.id), 'b found a again').toBe(true), {
      timeout: 5_000,
      interval: 10,
    })
  })

  it('reconnects after the peer restarts on the same port, and frames flow again', async () => {
    const a = await peer()
    const port = /\/tcp\/(\d+)\//.exec(a.address)?.[1]
    const b = await peer({ bootstrap: [a.address], reconnect: fastReconnect })
    await vi.waitFor(() => expect(b.transport.connected().includes(a.id), 'connected').toBe(true), {
      timeout: 10_000,
      interval: 10,
    })
    await stopAll(a)
    await vi.waitFor(() => expect(count(b, 'disconnect', a.id) === 1, 'b sees a leave').toBe(true), {
      timeout: 10_000,
      interval: 10,
    })
    const restarted = await peer({ listen: [`/ip4/127.0.0.1/tcp/${port}`] }, a.identity)
    await vi.waitFor(() => expect(count(b, 'connect', a.id) === 2, 'b sees a again').toBe(true), {
      timeout: 5_000,
      interval: 10,
    })
    expect(count(b, 'disconnect', a.id)).toBe(1)
    await vi.waitFor(() => expect(restarted.transport.connected().includes(b.id), 'a sees b').toBe(true), {
      timeout: 10_000,
      interval: 10,
    })
    expect(b.transport.send(a.id, new Uint8Array([42]))).toBe(true)
    await vi.waitFor(
      () => expect(framesFrom(restarted, b.id).length === 1, 'frame after reconnect').toBe(true),
      { timeout: 10_000, interval: 10 },
    )
  })
})
