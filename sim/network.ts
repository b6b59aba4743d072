/**
 * The simulated network: directed links that can be cut, connections between
 * pairs of nodes as a real transport reports them, and frames with drawn
 * latency, loss, duplication and (optionally) reordering.
 *
 * A connection between two running nodes is up while at least one direction
 * of their link passes (a one-way cut black-holes one direction and leaves
 * the connection up, as TCP does until its keepalive gives up, so the failure
 * detector above must notice). When both directions are cut or an end
 * crashes, each surviving end sees `disconnect` after `disconnectDetectMs`;
 * a graceful stop is seen after one latency. Once passable again, the pair
 * reconnects after `connectMs` and both ends see `connect`. Frames carry the
 * connection they were sent on: when it dies, frames in flight on it are lost.
 */
import type { Random } from '../src/env/types.ts'
import type { TransportEvents } from '../transport/transport.ts'
import { Connections, type Endpoint } from './connections.ts'
import { drawLatencyMs } from './latency.ts'
import type { DirectedLink } from './links.ts'
import type { ResolvedNetworkOptions } from './network-options.ts'
import type { Scheduler } from './scheduler.ts'
import type { DropReason, Trace } from './trace.ts'

export type { Endpoint } from './connections.ts'

/** One direction between two nodes. */
interface Link {
  /** The link's own stream: loss, duplication and latency draws for its frames. */
  readonly random: Random
  /** When the last frame on it is due; without reordering, later frames are due no earlier. */
  lastDueMs: number
  inFlight: number
  cut: boolean
}

/** The address scheme of simulated transports: `sim://<id>`. */
export const SIM_ADDRESS_PREFIX = 'sim://'

export class SimNetwork {
  readonly ids: readonly string[]
  readonly options: ResolvedNetworkOptions
  readonly #index = new Map<string, number>()
  /** Directed links by from × n + to, made on first use (a link's random fork costs memory). */
  readonly #links: Array<Link | undefined> = []
  readonly #random: Random
  readonly #scheduler: Scheduler
  readonly #trace: Trace
  readonly #connections: Connections
  #messageSeq = 0

  constructor(
    scheduler: Scheduler,
    trace: Trace,
    ids: readonly string[],
    options: ResolvedNetworkOptions,
    random: Random,
  ) {
    this.ids = ids
    this.options = options
    this.#scheduler = scheduler
    this.#trace = trace
    ids.forEach((id, i) => {
      this.#index.set(id, i)
    })
    this.#random = random
    this.#connections = new Connections(scheduler, trace, ids, options, (a, b) => this.#passable(a, b))
  }

  /** The index of a known node id; throws on an unknown one (a programmer error: ids are validated up front). */
  indexOf(id: string): number {
    const i = this.#index.get(id)
    if (i === undefined) throw new Error(`unknown node ${id}`)
    return i
  }

  has(id: string): boolean {
    return this.#index.has(id)
  }

  #link(from: number, to: number): Link {
    const i = from * this.ids.length + to
    let link = this.#links[i]
    if (link === undefined) {
      const random = this.#random.fork(`${this.ids[from]}>${this.ids[to]}`)
      link = { random, lastDueMs: 0, inFlight: 0, cut: false }
      this.#links[i] = link
    }
    return link
  }

  #passable(a: number, b: number): boolean {
    const n = this.ids.length
    return !((this.#links[a * n + b]?.cut ?? false) && (this.#links[b * n + a]?.cut ?? false))
  }

  // --- endpoints ---------------------------------------------------------------------------

  /** A node's transport comes up: it will connect to every reachable running node. */
  attach(id: string, events: TransportEvents): Endpoint {
    return this.#connections.attach(this.indexOf(id), events)
  }

  /** A node's transport goes away: `stop` (peers notice after a latency) or `crash` (after detection). */
  detach(endpoint: Endpoint, how: 'stop' | 'crash'): void {
    this.#connections.detach(endpoint, (peer) =>
      how === 'stop'
        ? drawLatencyMs(this.options.latency, this.#link(endpoint.index, peer).random)
        : this.options.disconnectDetectMs,
    )
  }

  /** Whether `endpoint` is the node's current, running transport. */
  isAttached(endpoint: Endpoint): boolean {
    return this.#connections.isCurrent(endpoint)
  }

  /** The peers `endpoint` believes it is connected to. */
  connected(endpoint: Endpoint): string[] {
    return this.#connections.isCurrent(endpoint) ? [...endpoint.sees.keys()] : []
  }

  /** Resolves with the peer's id once connected to `address` (`sim://<id>`). */
  dial(endpoint: Endpoint, address: string): Promise<string> {
    const id = address.startsWith(SIM_ADDRESS_PREFIX) ? address.slice(SIM_ADDRESS_PREFIX.length) : address
    if (!this.#index.has(id)) return Promise.reject(new Error(`dial ${address}: no such node`))
    return this.#connections.dial(endpoint, this.indexOf(id))
  }

  // --- frames ------------------------------------------------------------------------------

  /**
   * Sends a copy of `frame`. False if `to` is not connected (as `from` sees it),
   * the frame is too big or the link's queue is full. A frame accepted on a
   * connection that is in fact dead is dropped, as on a real network.
   */
  send(endpoint: Endpoint, to: string, frame: Uint8Array): boolean {
    const epoch = this.#connections.isCurrent(endpoint) ? endpoint.sees.get(to) : undefined
    if (epoch === undefined) return false
    const from = endpoint.index
    const toIndex = this.indexOf(to)
    const link = this.#link(from, toIndex)
    if (link.inFlight >= this.options.inFlightPerLinkMax) return false
    const msg = ++this.#messageSeq
    const t = this.#scheduler.nowMs
    const fromId = this.ids[from] as string
    if (frame.byteLength > this.options.frameBytesMax) {
      this.#drop(fromId, to, msg, 'oversize')
      return false
    }
    this.#trace.record({ t, k: 'send', from: fromId, to, msg, bytes: frame.byteLength })
    // Always four draws per frame, whatever the options, so toggling loss never shifts latencies.
    const lossRoll = link.random.next()
    const duplicateRoll = link.random.next()
    const latencyMs = drawLatencyMs(this.options.latency, link.random)
    const duplicateLatencyMs = drawLatencyMs(this.options.latency, link.random)
    if (link.cut) this.#drop(fromId, to, msg, 'cut')
    else if (!this.#connections.isUp(from, toIndex, epoch)) this.#drop(fromId, to, msg, 'down')
    else if (lossRoll < this.options.loss) this.#drop(fromId, to, msg, 'loss')
    else {
      this.#schedule(link, from, toIndex, msg, epoch, frame.slice(), latencyMs)
      if (duplicateRoll < this.options.duplicate) {
        this.#trace.record({ t, k: 'dup', from: fromId, to, msg, bytes: frame.byteLength })
        this.#schedule(link, from, toIndex, msg, epoch, frame.slice(), duplicateLatencyMs)
      }
    }
    return true
  }

  #drop(from: string, to: string, msg: number, why: DropReason): void {
    this.#trace.record({ t: this.#scheduler.nowMs, k: 'drop', from, to, msg, why })
  }

  #schedule(
    link: Link,
    from: number,
    to: number,
    msg: number,
    epoch: number,
    bytes: Uint8Array,
    latencyMs: number,
  ) {
    let dueMs = this.#scheduler.nowMs + latencyMs
    if (!this.options.reorder) dueMs = Math.max(dueMs, link.lastDueMs)
    link.lastDueMs = dueMs
    link.inFlight++
    const toId = this.ids[to] as string
    this.#scheduler.schedule(dueMs, 'deliver', toId, () => {
      link.inFlight--
      return this.#deliver(link, from, to, msg, epoch, bytes)
    })
  }

  #deliver(link: Link, from: number, to: number, msg: number, epoch: number, bytes: Uint8Array): boolean {
    const fromId = this.ids[from] as string
    const toId = this.ids[to] as string
    const receiver = this.#connections.endpointAt(to)
    if (receiver === undefined) this.#drop(fromId, toId, msg, 'stopped')
    else if (link.cut) this.#drop(fromId, toId, msg, 'cut')
    else if (!this.#connections.isUp(from, to, epoch) || receiver.sees.get(fromId) !== epoch) {
      this.#drop(fromId, toId, msg, 'down')
    } else {
      this.#trace.record({
        t: this.#scheduler.nowMs,
        k: 'deliver',
        from: fromId,
        to: toId,
        msg,
        bytes: bytes.byteLength,
      })
      receiver.events.frame(fromId, bytes)
      return true
    }
    return false
  }

  // --- the link table ------------------------------------------------------------------------

  /** Whether frames from `from` to `to` are cut. */
  isCut(from: string, to: string): boolean {
    return this.#links[this.indexOf(from) * this.ids.length + this.indexOf(to)]?.cut ?? false
  }

  /** Every cut directed link. */
  cutLinks(): DirectedLink[] {
    const cut: DirectedLink[] = []
    for (const from of this.ids) {
      for (const to of this.ids) if (from !== to && this.isCut(from, to)) cut.push([from, to])
    }
    return cut
  }

  /** Cuts (or restores) the directed links given, then updates the connections they carry. */
  setCut(links: readonly DirectedLink[], cut: boolean): void {
    for (const [from, to] of links) this.#link(this.indexOf(from), this.indexOf(to)).cut = cut
    this.#connections.reconcileAll()
  }

  /** Restores every link. */
  restoreAll(): void {
    for (const link of this.#links) if (link !== undefined) link.cut = false
    this.#connections.reconcileAll()
  }
}
