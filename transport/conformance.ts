/**
 * The Transport conformance suite: vitest cases every Transport must pass
 * (the libp2p one and the simulator's). Call it from a test file:
 *
 *   runTransportConformance('simulated', async (count) => ({ peers, advance, close }))
 *
 * The factory makes `count` transports that can reach each other, not yet
 * started, and says how time passes: the simulator runs virtual time, a real
 * transport waits. The suite starts them, dials every pair, and checks
 * frames (whole, in order per peer, copied), connection events, `send` to an
 * unknown or stopped peer, and silence after `stop()`.
 *
 * Imports vitest: import it from test files only.
 */
import { describe, expect, it } from 'vitest'
import type { Env } from '../src/env/types.ts'
import type { IdentityStore, Transport } from './transport.ts'

/** One transport to test, with the Env and identity its `start` gets. */
export interface TransportUnderTest {
  transport: Transport
  env: Env
  identity: IdentityStore
}

/** What the factory returns. */
export interface TransportHarness {
  peers: TransportUnderTest[]
  /** Lets `ms` of time pass (virtual time in a simulator, real waiting otherwise). */
  advance(ms: number): Promise<void>
  /** Releases whatever the harness holds; the suite has stopped the transports. */
  close?(): Promise<void>
}

export type TransportFactory = (count: number) => Promise<TransportHarness>

export interface TransportConformanceOptions {
  /** The longest the suite waits for a connection, frame or event. Default 10 000 ms. */
  waitMsMax?: number
  /** Time advanced per poll while waiting. Default 10 ms. */
  pollMs?: number
}

type Recorded =
  | { kind: 'frame'; from: string; bytes: Uint8Array }
  | { kind: 'connect' | 'disconnect'; peer: string }

/** A started transport and what it has heard. */
interface Started extends TransportUnderTest {
  id: string
  heard: Recorded[]
}

function frameOf(sender: number, seq: number, size: number): Uint8Array {
  const bytes = new Uint8Array(size)
  for (let i = 0; i < size; i++) bytes[i] = (sender * 31 + seq * 7 + i) & 0xff
  if (size >= 2) {
    bytes[0] = sender
    bytes[1] = seq
  }
  return bytes
}

/** Sizes of the frames the ordering case sends: empty, small, and up to 256 KiB. */
const frameSizes = [0, 1, 2, 17, 300, 4096, 65_536, 262_144]

function framesFrom(started: Started, from: string): Uint8Array[] {
  return started.heard.flatMap((r) => (r.kind === 'frame' && r.from === from ? [r.bytes] : []))
}

/** Index of the first frame that differs between two lists (or of the length mismatch); -1 if equal. */
function firstDifference(got: Uint8Array[], want: Uint8Array[]): number {
  const n = Math.max(got.length, want.length)
  for (let i = 0; i < n; i++) {
    const a = got[i]
    const b = want[i]
    if (a === undefined || b === undefined || !Buffer.from(a).equals(Buffer.from(b))) return i
  }
  return -1
}

function saw(started: Started, kind: 'connect' | 'disconnect', peer: string): boolean {
  return started.heard.some((r) => r.kind === kind && r.peer === peer)
}

/** The suite's harness: starting, connecting, waiting and tearing down. */
class Suite {
  readonly #factory: TransportFactory
  readonly waitMsMax: number
  readonly #pollMs: number

  constructor(factory: TransportFactory, options: TransportConformanceOptions) {
    this.#factory = factory
    this.waitMsMax = options.waitMsMax ?? 10_000
    this.#pollMs = options.pollMs ?? 10
  }

  async waitFor(harness: TransportHarness, what: string, done: () => boolean): Promise<void> {
    for (let waitedMs = 0; !done(); waitedMs += this.#pollMs) {
      if (waitedMs >= this.waitMsMax)
        throw new Error(`transport conformance: no ${what} after ${this.waitMsMax} ms`)
      await harness.advance(this.#pollMs)
    }
  }

  /** Starts `count` transports, each recording what it hears, and dials every pair. */
  async mesh(count: number): Promise<{ harness: TransportHarness; peers: Started[] }> {
    const harness = await this.#factory(count)
    const peers: Started[] = []
    for (const under of harness.peers) {
      const heard: Recorded[] = []
      const events = {
        frame: (from: string, bytes: Uint8Array) => heard.push({ kind: 'frame', from, bytes }),
        connect: (peer: string) => heard.push({ kind: 'connect', peer }),
        disconnect: (peer: string) => heard.push({ kind: 'disconnect', peer }),
      }
      const { id } = await under.transport.start({ env: under.env, identity: under.identity, events })
      peers.push({ ...under, id, heard })
    }
    const dials = peers.flatMap((a, i) =>
      peers.slice(i + 1).map((b) => a.transport.dial(b.transport.addresses()[0] ?? '')),
    )
    let dialed = 0
    for (const dial of dials) void dial.then(() => dialed++)
    await this.waitFor(harness, 'connection between every pair', () => {
      return (
        dialed === dials.length && peers.every((p) => p.transport.connected().length === peers.length - 1)
      )
    })
    expect(await Promise.all(dials)).toEqual(peers.flatMap((_, i) => peers.slice(i + 1).map((b) => b.id)))
    return { harness, peers }
  }

  async teardown(harness: TransportHarness, peers: Started[]): Promise<void> {
    for (const p of peers) await p.transport.stop()
    await harness.close?.()
  }
}

async function connectsUnderStableIds(suite: Suite): Promise<void> {
  const { harness, peers } = await suite.mesh(3)
  expect(new Set(peers.map((p) => p.id)).size).toBe(3)
  for (const p of peers) {
    const others = peers.filter((q) => q !== p).map((q) => q.id)
    expect([...p.transport.connected()].sort()).toEqual([...others].sort())
    for (const other of others) expect(saw(p, 'connect', other)).toBe(true)
    expect(p.transport.addresses().length).toBeGreaterThan(0)
  }
  await suite.teardown(harness, peers)
}

async function deliversWholeInOrder(suite: Suite): Promise<void> {
  const { harness, peers } = await suite.mesh(3)
  const [a, b, c] = peers as [Started, Started, Started]
  const sent = new Map<string, Uint8Array[]>([
    [a.id, []],
    [c.id, []],
  ])
  for (let seq = 0; seq < 40; seq++) {
    for (const [index, sender] of [a, c].entries()) {
      const frame = frameOf(index, seq, frameSizes[(seq + index) % frameSizes.length] as number)
      expect(sender.transport.send(b.id, frame)).toBe(true)
      sent.get(sender.id)?.push(frame)
    }
  }
  const arrived = () => framesFrom(b, a.id).length + framesFrom(b, c.id).length >= 80
  await suite.waitFor(harness, 'delivery of 80 frames', arrived)
  expect(firstDifference(framesFrom(b, a.id), sent.get(a.id) ?? [])).toBe(-1)
  expect(firstDifference(framesFrom(b, c.id), sent.get(c.id) ?? [])).toBe(-1)
  await suite.teardown(harness, peers)
}

async function sendsACopy(suite: Suite): Promise<void> {
  const { harness, peers } = await suite.mesh(2)
  const [a, b] = peers as [Started, Started]
  const frame = frameOf(1, 1, 64)
  const original = frame.slice()
  expect(a.transport.send(b.id, frame)).toBe(true)
  frame.fill(0)
  await suite.waitFor(harness, 'frame', () => framesFrom(b, a.id).length === 1)
  expect(framesFrom(b, a.id)[0]).toEqual(original)
  await suite.teardown(harness, peers)
}

async function refusesUnknownPeer(suite: Suite): Promise<void> {
  const { harness, peers } = await suite.mesh(2)
  const [a, b] = peers as [Started, Started]
  expect(a.transport.send('no-such-peer', new Uint8Array([1]))).toBe(false)
  expect(a.transport.connected()).toEqual([b.id])
  await suite.teardown(harness, peers)
}

async function silentAfterStop(suite: Suite): Promise<void> {
  const { harness, peers } = await suite.mesh(3)
  const [a, b, c] = peers as [Started, Started, Started]
  await c.transport.stop()
  const heardAtStop = c.heard.length
  await suite.waitFor(harness, 'disconnect', () => saw(a, 'disconnect', c.id) && saw(b, 'disconnect', c.id))
  expect(a.transport.send(c.id, new Uint8Array([1]))).toBe(false)
  expect(a.transport.connected()).toEqual([b.id])
  expect(c.transport.connected()).toEqual([])
  expect(c.transport.send(a.id, new Uint8Array([1]))).toBe(false)
  expect(a.transport.send(b.id, new Uint8Array([2]))).toBe(true)
  await suite.waitFor(harness, 'frame after a stop', () => framesFrom(b, a.id).length === 1)
  await harness.advance(suite.waitMsMax / 10)
  expect(c.heard.length).toBe(heardAtStop)
  await suite.teardown(harness, [a, b])
}

/** Registers the conformance cases for `factory` under `describe(name)`. */
export function runTransportConformance(
  name: string,
  factory: TransportFactory,
  options: TransportConformanceOptions = {},
): void {
  const suite = new Suite(factory, options)
  describe(`Transport conformance: ${name}`, () => {
    it('starts with distinct ids, and every peer sees connect for every other under that id', () =>
      connectsUnderStableIds(suite))
    it('delivers frames whole and in order per peer, from several senders at once', () =>
      deliversWholeInOrder(suite))
    it('sends a copy: changing the buffer after send does not change what arrives', () => sendsACopy(suite))
    it('returns false for a send to an unknown peer', () => refusesUnknownPeer(suite))
    it('on stop: peers see disconnect, sends to it return false, the stopped one hears nothing more', () =>
      silentAfterStop(suite))
  })
}
