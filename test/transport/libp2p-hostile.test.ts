/**
 * A hostile peer speaking `/isthmus/1.0.0` by hand, from a raw libp2p node:
 * huge length prefixes, garbage, a frame cut short. Each is dropped and
 * counted, the stream reset, no partial frame reaches the node, and the
 * transport keeps serving its honest peers.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Libp2p, Stream } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { encodeFrame, encodeLengthPrefix } from '../../transport/libp2p-framing.ts'
import { ISTHMUS_PROTOCOL } from '../../transport/libp2p-links.ts'
import { count, fastReconnect, framesFrom, LOOPBACK, type Peer, startPeer, stopAll } from './harness.ts'

const cleanup: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close()
})

/** A raw libp2p node that does not speak `/isthmus/1.0.0`; `idAbove` makes its id sort after that one. */
async function rawNode(idAbove?: string): Promise<Libp2p> {
  let privateKey = await generateKeyPair('Ed25519')
  while (idAbove !== undefined && peerIdFromPrivateKey(privateKey).toString() <= idAbove) {
    privateKey = await generateKeyPair('Ed25519')
  }
  const node = await createLibp2p({
    privateKey,
    addresses: { listen: LOOPBACK },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
  })
  cleanup.push(async () => {
    await node.stop()
  })
  return node
}

async function victim(options: Parameters<typeof startPeer>[0] = {}): Promise<Peer> {
  const peer = await startPeer(options)
  cleanup.push(() => stopAll(peer))
  return peer
}

/** Opens the frame stream to `target` by hand and writes `bytes` on it. */
async function attack(node: Libp2p, target: Peer, ...chunks: Uint8Array[]): Promise<Stream> {
  const stream = await node.dialProtocol(multiaddr(target.address), ISTHMUS_PROTOCOL)
  for (const chunk of chunks) stream.send(chunk)
  return stream
}

function closed(stream: Stream): Promise<void> {
  if (stream.status !== 'open') return Promise.resolve()
  return new Promise((resolve) => stream.addEventListener('close', () => resolve(), { once: true }))
}

describe('libp2p transport against a hostile peer', () => {
  it('drops a frame announced over the bound as soon as the prefix shows it', async () => {
    const target = await victim()
    const hostile = await rawNode()
    // Four 0xff bytes already announce 2^28 - 1 bytes, over the default 32 MiB: no need to read on.
    const stream = await attack(hostile, target, new Uint8Array([0xff, 0xff, 0xff, 0xff]))
    await closed(stream)
    await vi.waitFor(
      () => expect(target.transport.stats().dropped.oversizeIn === 1, 'drop counted').toBe(true),
      { timeout: 10_000, interval: 10 },
    )
  })

  it('drops an oversized length prefix, resets the stream, and keeps working', async () => {
    const target = await victim({ frameBytesMax: 1024 })
    const honest = await victim()
    await honest.transport.dial(target.address)
    const hostile = await rawNode()
    const id = hostile.peerId.toString()
    // A valid frame first, then one announcing 1 GiB: the first arrives, the second never does.
    const stream = await attack(
      hostile,
      target,
      encodeFrame(new Uint8Array([1, 2, 3])),
      encodeLengthPrefix(2 ** 30),
    )
    await closed(stream)
    expect(stream.status).toBe('reset')
    await vi.waitFor(
      () => expect(target.transport.stats().dropped.oversizeIn === 1, 'drop counted').toBe(true),
      { timeout: 10_000, interval: 10 },
    )
    expect(framesFrom(target, id)).toEqual([new Uint8Array([1, 2, 3])])
    expect(target.transport.stats().streamResets).toBe(1)
    await vi.waitFor(() => expect(count(target, 'disconnect', id) === 1, 'hostile dropped').toBe(true), {
      timeout: 10_000,
      interval: 10,
    })
    expect(target.transport.connected()).toEqual([honest.id])
    expect(honest.transport.send(target.id, new Uint8Array([9]))).toBe(true)
    await vi.waitFor(() => expect(framesFrom(target, honest.id).length === 1, 'honest frame').toBe(true), {
      timeout: 10_000,
      interval: 10,
    })
  })

  it('drops garbage (a length prefix that never ends) and a non-minimal prefix as malformed', async () => {
    const target = await victim()
    const hostile = await rawNode()
    // Continuation bits with no value bits: the prefix never grows past the bound, it just never ends.
    const endless = await attack(hostile, target, new Uint8Array(64).fill(0x80))
    await closed(endless)
    const padded = await attack(hostile, target, new Uint8Array([0x81, 0x80, 0x00]))
    await closed(padded)
    await vi.waitFor(
      () => expect(target.transport.stats().dropped.malformedIn === 2, 'two drops').toBe(true),
      { timeout: 10_000, interval: 10 },
    )
    expect(framesFrom(target, hostile.peerId.toString())).toEqual([])
  })

  it('never delivers a frame cut short, even when the hostile peer closes mid-frame', async () => {
    const target = await victim()
    const hostile = await rawNode()
    const id = hostile.peerId.toString()
    const stream = await attack(hostile, target, encodeLengthPrefix(100_000), new Uint8Array(50_000))
    await vi.waitFor(() => expect(count(target, 'connect', id) === 1, 'hostile connected').toBe(true), {
      timeout: 10_000,
      interval: 10,
    })
    await stream.close()
    await hostile.hangUp(multiaddr(target.address))
    await vi.waitFor(() => expect(count(target, 'disconnect', id) === 1, 'hostile gone').toBe(true), {
      timeout: 10_000,
      interval: 10,
    })
    expect(framesFrom(target, id)).toEqual([])
    expect(target.transport.stats().framesIn).toBe(0)
  })

  it('hangs up on a peer that holds a connection but never accepts a frame stream', async () => {
    const target = await victim({ reconnect: fastReconnect })
    // Its id sorts after the target's, so the target is the one to open the stream, and fails.
    const silent = await rawNode(target.id)
    await silent.dial(multiaddr(target.address))
    await vi.waitFor(() => expect(silent.getConnections().length === 0, 'target hung up').toBe(true), {
      timeout: 10_000,
      interval: 10,
    })
    expect(count(target, 'connect', silent.peerId.toString())).toBe(0)
  })

  it('survives a flood of random chunks from many streams without crashing', async () => {
    const target = await victim({ frameBytesMax: 4096 })
    const hostile = await rawNode()
    let seed = 12345
    const random = () => {
      seed = (seed * 1103515245 + 12345) >>> 0
      return seed
    }
    for (let round = 0; round < 20; round++) {
      const chunks = Array.from({ length: 5 }, () =>
        Uint8Array.from({ length: random() % 300 }, () => random() & 0xff),
      )
      const stream = await hostile.dialProtocol(multiaddr(target.address), ISTHMUS_PROTOCOL)
      try {
        for (const chunk of chunks) stream.send(chunk)
        await stream.close()
      } catch {
        // The target reset the stream mid-flood, as it should.
      }
    }
    await hostile.hangUp(multiaddr(target.address))
    const honest = await victim()
    await honest.transport.dial(target.address)
    expect(honest.transport.send(target.id, new Uint8Array(100))).toBe(true)
    await vi.waitFor(
      () => expect(framesFrom(target, honest.id).length === 1, 'honest frame after the flood').toBe(true),
      { timeout: 10_000, interval: 10 },
    )
    const stats = target.transport.stats()
    expect(stats.dropped.malformedIn + stats.dropped.oversizeIn).toBeGreaterThan(0)
  })
})
