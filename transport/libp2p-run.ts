/**
 * One run of the libp2p transport, from `start` to `stop`: the libp2p node
 * (TCP, Noise, Yamux, identify, ping, the allowlist gater), the frame streams
 * and the bootstrap redialer. A transport restarted after `stop` gets a fresh
 * run with the same identity.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import type { Connection, Libp2p, PrivateKey } from '@libp2p/interface'
import { mdns } from '@libp2p/mdns'
import { peerIdFromString } from '@libp2p/peer-id'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import type { Logger } from '../src/env/types.ts'
import { DialError, TransportStateError } from './libp2p-errors.ts'
import { allowlistGater, peerIdOfAddress } from './libp2p-gater.ts'
import { loadOrCreatePrivateKey } from './libp2p-identity.ts'
import { outboundQueueBytesMax } from './libp2p-link.ts'
import { ISTHMUS_PROTOCOL, LINK_UP_TIMEOUT_MS, PeerLinks } from './libp2p-links.ts'
import type { ResolvedOptions } from './libp2p-options.ts'
import { Redialer } from './libp2p-reconnect.ts'
import type { Libp2pTransportStats } from './libp2p-stats.ts'
import type { TransportContext, TransportEvents } from './transport.ts'

/**
 * Inbound frame streams per connection: a peer needs one; a few more let a
 * reopened stream arrive before the old one's reset is processed.
 */
const inboundStreamsPerConnectionMax = 4

/** One started libp2p node and what runs on it. */
export class Libp2pRun {
  readonly id: string
  readonly #node: Libp2p
  readonly #links: PeerLinks
  readonly #redialer: Redialer
  readonly #options: ResolvedOptions
  readonly #log: Logger
  #stopped = false

  private constructor(
    node: Libp2p,
    options: ResolvedOptions,
    ctx: TransportContext,
    stats: Libp2pTransportStats,
  ) {
    this.#node = node
    this.#options = options
    this.id = node.peerId.toString()
    const log = ctx.env.log.child({ transport: 'libp2p', self: this.id })
    this.#log = log
    // Its own stream of randomness: redial jitter must not shift the node's other draws.
    const random = ctx.env.random.fork('libp2p-transport')
    this.#links = new PeerLinks({
      selfId: this.id,
      limits: {
        frameBytesMax: options.frameBytesMax,
        queueBytesMax: outboundQueueBytesMax(options.frameBytesMax),
      },
      stats,
      events: guardEvents(ctx.events, log),
      clock: ctx.env.clock,
      random,
      log,
      policy: options.reconnect,
      connectionTo: (peer) => this.#connectionTo(peer),
      hangUp: (peer) => this.#hangUp(peer),
      linkDown: (peer) => this.#redialer.peerDown(peer),
    })
    this.#redialer = new Redialer({
      clock: ctx.env.clock,
      random,
      log,
      policy: options.reconnect,
      dial: (address) => this.dial(address),
      isConnected: (peer) => this.#links.has(peer),
    })
  }

  /** Loads (or makes) the identity, listens, and starts dialing the bootstrap peers. */
  static async start(
    options: ResolvedOptions,
    ctx: TransportContext,
    stats: Libp2pTransportStats,
  ): Promise<Libp2pRun> {
    const privateKey = await loadOrCreatePrivateKey(ctx.identity)
    const node = await createNode(privateKey, options)
    const run = new Libp2pRun(node, options, ctx, stats)
    try {
      await run.#listen()
    } catch (error) {
      await run.stop()
      throw error
    }
    return run
  }

  /** Closes every connection; no event fires once this is called. */
  async stop(): Promise<void> {
    this.#stopped = true
    this.#redialer.stop()
    this.#links.close()
    await this.#node.stop()
  }

  send(peer: string, frame: Uint8Array): boolean {
    return this.#links.send(peer, frame)
  }

  connected(): string[] {
    return this.#links.connected()
  }

  /** Where peers can dial this node: the listening multiaddrs, each ending in `/p2p/<id>`. */
  addresses(): string[] {
    return this.#node.getMultiaddrs().map((address) => {
      return peerIdOfAddress(address) === this.id
        ? address.toString()
        : `${address.toString()}/p2p/${this.id}`
    })
  }

  /** Dials `address` and resolves with the peer's id once its frame stream is up. */
  async dial(address: string): Promise<string> {
    const target = this.#parseDialTarget(address)
    let connection: Connection
    try {
      connection = await this.#node.dial(target)
    } catch (cause) {
      if (this.#stopped) throw new TransportStateError('transport stopped during dial')
      throw new DialError(address, cause instanceof Error ? cause.message : String(cause), { cause })
    }
    const peer = connection.remotePeer.toString()
    this.#links.connectionUp(connection, false)
    const up = await this.#awaitLink(peer, connection)
    if (this.#stopped) throw new TransportStateError('transport stopped during dial')
    if (!up) {
      const why =
        this.#connectionTo(peer) === undefined
          ? 'the peer hung up'
          : `no reply within ${LINK_UP_TIMEOUT_MS} ms`
      throw new DialError(address, `no ${ISTHMUS_PROTOCOL} stream: ${why}`)
    }
    return peer
  }

  // The frame stream, unless every connection to the peer closes first (a
  // peer that gates us out completes the handshake, then hangs up).
  async #awaitLink(peer: string, connection: Connection): Promise<boolean> {
    const gone = new AbortController()
    const onClose = () => {
      if (this.#connectionTo(peer) === undefined) gone.abort()
    }
    connection.addEventListener('close', onClose)
    if (connection.status !== 'open') onClose()
    try {
      return await this.#links.whenUp(peer, gone.signal)
    } finally {
      connection.removeEventListener('close', onClose)
    }
  }

  #parseDialTarget(address: string) {
    if (this.#stopped) throw new TransportStateError('dial after stop')
    let target: ReturnType<typeof multiaddr>
    try {
      target = multiaddr(address)
    } catch (cause) {
      throw new DialError(address, 'not a multiaddr', { cause })
    }
    const claimed = peerIdOfAddress(target)
    if (claimed === this.id) throw new DialError(address, 'that is this node')
    const allow = this.#options.allow
    if (claimed !== undefined && allow !== undefined && !allow.has(claimed)) {
      throw new DialError(address, 'peer is not on the allowlist')
    }
    return target
  }

  async #listen(): Promise<void> {
    await this.#node.handle(
      ISTHMUS_PROTOCOL,
      (stream, connection) => this.#links.inbound(stream, connection),
      {
        maxInboundStreams: inboundStreamsPerConnectionMax,
      },
    )
    this.#node.addEventListener('connection:open', (event) => {
      if (!this.#stopped) this.#links.connectionUp(event.detail, true)
    })
    // Discovery (mDNS) only announces peers; libp2p does not dial them for us.
    this.#node.addEventListener('peer:discovery', (event) => {
      const peer = event.detail.id.toString()
      if (this.#stopped || this.#bootstrapSkipReason(peer) !== undefined || this.#connectionTo(peer)) return
      this.#node.dial(event.detail.id).catch((error: unknown) => {
        this.#log.log('debug', 'dial of a discovered peer failed', { peer, error: String(error) })
      })
    })
    await this.#node.start()
    for (const { address, peerId } of this.#options.bootstrap) {
      const skip = this.#bootstrapSkipReason(peerId)
      if (skip === undefined) this.#redialer.keep(address, peerId)
      else this.#log.log('warn', 'bootstrap address skipped', { address, reason: skip })
    }
  }

  // A cluster config often lists every node, this one included; redialing
  // ourselves or a peer the allowlist refuses would fail forever.
  #bootstrapSkipReason(peerId: string | undefined): string | undefined {
    if (peerId === undefined) return undefined
    if (peerId === this.id) return 'that is this node'
    const allow = this.#options.allow
    if (allow !== undefined && !allow.has(peerId)) return 'peer is not on the allowlist'
    return undefined
  }

  #connectionTo(peer: string): Connection | undefined {
    return this.#node
      .getConnections(peerIdFromString(peer))
      .find((connection) => connection.status === 'open')
  }

  #hangUp(peer: string): void {
    this.#node.hangUp(peerIdFromString(peer)).catch(() => {
      // The connection is going away either way; nothing to do if closing it failed.
    })
  }
}

function createNode(privateKey: PrivateKey, options: ResolvedOptions): Promise<Libp2p> {
  return createLibp2p({
    privateKey,
    start: false,
    addresses: { listen: options.listen },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: allowlistGater(options.allow),
    peerDiscovery: options.mdns ? [mdns()] : [],
    services: { identify: identify(), ping: ping() },
  })
}

/**
 * The node's listeners run inside libp2p's event dispatch, where a throw would
 * surface as an uncaught exception; a node bug is logged here instead.
 */
function guardEvents(events: TransportEvents, log: Logger): TransportEvents {
  const guard =
    <A extends unknown[]>(name: string, fn: (...args: A) => void) =>
    (...args: A): void => {
      try {
        fn(...args)
      } catch (error) {
        log.log('error', `transport event listener threw`, { event: name, error: String(error) })
      }
    }
  return {
    frame: guard('frame', (from: string, frame: Uint8Array) => events.frame(from, frame)),
    connect: guard('connect', (peer: string) => events.connect(peer)),
    disconnect: guard('disconnect', (peer: string) => events.disconnect(peer)),
  }
}
