/**
 * mDNS discovery on the local network: two transports with `mdns: true` and
 * no bootstrap addresses find and connect to each other.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { silentLogger, systemEnv } from '../../src/env/index.ts'
import type { Transport } from '../../transport/index.ts'
import { libp2pTransport } from '../../transport/index.ts'

const started: Transport[] = []

afterEach(async () => {
  await Promise.all(started.splice(0).map((t) => t.stop()))
})

async function start(mdns: boolean, onConnect: (peer: string) => void): Promise<{ id: string }> {
  const transport = libp2pTransport({ listen: ['/ip4/127.0.0.1/tcp/0'], mdns })
  started.push(transport)
  let identity: Uint8Array | undefined
  return transport.start({
    env: systemEnv({ log: silentLogger }),
    identity: {
      load: async () => identity,
      save: async (bytes) => {
        identity = bytes
      },
    },
    events: { frame() {}, connect: onConnect, disconnect() {} },
  })
}

describe('mDNS discovery', () => {
  it('connects two transports that were given no address of each other', async () => {
    let resolveConnected: (peer: string) => void = () => {}
    const connected = new Promise<string>((resolve) => {
      resolveConnected = resolve
    })
    const a = await start(true, (peer) => resolveConnected(peer))
    const b = await start(true, () => {})
    expect(a.id).not.toBe(b.id)
    expect(await connected).toBe(b.id)
  }, 30_000)
})
