/**
 * Helpers for the libp2p transport tests: real transports on 127.0.0.1 with
 * an in-memory identity store, a record of what each heard, and polling
 * waits on real time.
 */
import { afterEach } from 'vitest'
import { silentLogger, systemEnv } from '../../src/env/index.ts'
import type { Env } from '../../src/env/types.ts'
import { type Libp2pTransport, libp2pTransport } from '../../transport/libp2p.ts'
import type { Libp2pTransportOptions } from '../../transport/libp2p-options.ts'
import type { IdentityStore, TransportEvents } from '../../transport/transport.ts'

/** Listen on loopback, any free port. */
export const LOOPBACK = ['/ip4/127.0.0.1/tcp/0']

/** Backoff short enough for a test to see several redials within a second or two. */
export const fastReconnect = { baseMs: 50, maxMs: 400 }

/** The real Env, quiet. */
export function testEnv(): Env {
  return systemEnv({ log: silentLogger })
}

/** An identity store in memory; share one between two transports to give them the same id. */
export function memoryIdentity(): IdentityStore & { saved: Uint8Array | undefined } {
  const store = {
    saved: undefined as Uint8Array | undefined,
    load: async () => store.saved,
    save: async (bytes: Uint8Array) => {
      store.saved = bytes
    },
  }
  return store
}

export type Heard =
  | { kind: 'frame'; from: string; bytes: Uint8Array }
  | { kind: 'connect' | 'disconnect'; peer: string }

/** A started transport and everything it reported. */
export interface Peer {
  id: string
  transport: Libp2pTransport
  identity: IdentityStore
  heard: Heard[]
  address: string
}

/** Makes and starts a transport; `identity` defaults to a fresh one, `env` to the real one, quiet. */
export async function startPeer(
  options: Partial<Libp2pTransportOptions> = {},
  identity: IdentityStore = memoryIdentity(),
  env: Env = testEnv(),
): Promise<Peer> {
  const transport = libp2pTransport({ listen: LOOPBACK, ...options })
  const heard: Heard[] = []
  const events: TransportEvents = {
    frame: (from, bytes) => heard.push({ kind: 'frame', from, bytes }),
    connect: (peer) => heard.push({ kind: 'connect', peer }),
    disconnect: (peer) => heard.push({ kind: 'disconnect', peer }),
  }
  const { id } = await transport.start({ env, identity, events })
  const address = transport.addresses()[0]
  if (address === undefined) throw new Error('transport has no address')
  return { id, transport, identity, heard, address }
}

/** Frames `peer` heard from `from`, in arrival order. */
export function framesFrom(peer: Peer, from: string): Uint8Array[] {
  return peer.heard.flatMap((h) => (h.kind === 'frame' && h.from === from ? [h.bytes] : []))
}

/** How many `kind` events `peer` heard about `other`. */
export function count(peer: Peer, kind: 'connect' | 'disconnect', other: string): number {
  return peer.heard.filter((h) => h.kind === kind && h.peer === other).length
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Stops every transport given, ignoring ones already stopped. */
export async function stopAll(...peers: Array<Peer | undefined>): Promise<void> {
  await Promise.all(peers.map((peer) => peer?.transport.stop()))
}

/**
 * Index of the first frame that differs between two lists (or where one runs
 * out); -1 if they are equal. Byte comparison through Buffer: vitest's deep
 * equality walks typed arrays element by element, far too slow at 1 MiB.
 */
export function firstDifference(got: Uint8Array[], want: Uint8Array[]): number {
  const n = Math.max(got.length, want.length)
  for (let i = 0; i < n; i++) {
    const a = got[i]
    const b = want[i]
    if (a === undefined || b === undefined || !Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b))
      return i
  }
  return -1
}

/** Deterministic bytes for a frame: cheap to make at 1 MiB, different per (seed, index). */
export function patternBytes(size: number, seed: number, index: number): Uint8Array {
  const bytes = new Uint8Array(size)
  let x = (seed ^ (index * 0x9e3779b1)) >>> 0 || 1
  for (let i = 0; i < size; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    bytes[i] = x & 0xff
  }
  return bytes
}

/** A `startPeer` whose transports are all stopped after each test of the file that calls it. */
export function peersStoppedAfterEach(): (...args: Parameters<typeof startPeer>) => Promise<Peer> {
  const opened: Peer[] = []
  afterEach(async () => {
    await stopAll(...opened.splice(0))
  })
  return async (...args) => {
    const started = await startPeer(...args)
    opened.push(started)
    return started
  }
}
