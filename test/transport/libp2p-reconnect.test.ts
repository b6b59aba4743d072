/**
 * Bootstrap peers are redialed with backoff: a peer that restarts on the same
 * port (same identity) is found again without anyone calling `dial`.
 */
import { describe, expect, it } from 'vitest'
import { count, fastReconnect, framesFrom, peersStoppedAfterEach, stopAll, waitUntil } from './harness.ts'

const peer = peersStoppedAfterEach()

describe('libp2p transport reconnect', () => {
  it('dials its bootstrap peers at start', async () => {
    const a = await peer()
    const b = await peer({ bootstrap: [a.address] })
    await waitUntil(
      'connected',
      () => b.transport.connected().includes(a.id) && a.transport.connected().includes(b.id),
    )
    expect(count(b, 'connect', a.id)).toBe(1)
  })

  it('keeps redialing a bootstrap peer that is down until it is back', async () => {
    const a = await peer()
    const port = /\/tcp\/(\d+)\//.exec(a.address)?.[1]
    await stopAll(a)
    // b starts while a is down: its first dials fail and back off.
    const b = await peer({ bootstrap: [a.address], reconnect: fastReconnect })
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(b.transport.connected()).toEqual([])
    const back = await peer({ listen: [`/ip4/127.0.0.1/tcp/${port}`] }, a.identity)
    expect(back.id).toBe(a.id)
    await waitUntil('b found a again', () => b.transport.connected().includes(a.id), 5_000)
  })

  it('reconnects after the peer restarts on the same port, and frames flow again', async () => {
    const a = await peer()
    const port = /\/tcp\/(\d+)\//.exec(a.address)?.[1]
    const b = await peer({ bootstrap: [a.address], reconnect: fastReconnect })
    await waitUntil('connected', () => b.transport.connected().includes(a.id))
    await stopAll(a)
    await waitUntil('b sees a leave', () => count(b, 'disconnect', a.id) === 1)
    const restarted = await peer({ listen: [`/ip4/127.0.0.1/tcp/${port}`] }, a.identity)
    await waitUntil('b sees a again', () => count(b, 'connect', a.id) === 2, 5_000)
    expect(count(b, 'disconnect', a.id)).toBe(1)
    await waitUntil('a sees b', () => restarted.transport.connected().includes(b.id))
    expect(b.transport.send(a.id, new Uint8Array([42]))).toBe(true)
    await waitUntil('frame after reconnect', () => framesFrom(restarted, b.id).length === 1)
  })
})
