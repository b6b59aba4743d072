/**
 * Connections between pairs of simulated nodes, and what each end believes
 * about them. The network decides when a pair can connect (both ends running,
 * the link passable); this state machine turns that into `connect` and
 * `disconnect` events, each delivered to one node as its own event.
 *
 * States of a pair:
 *   'down'  no connection. While both ends run and the link passes, one dial
 *           is pending (`dialing`) and brings the pair up after `connectMs`.
 *   'up'    connection `epoch` is open; frames sent on it can arrive. When it
 *           dies, each end still believing in it notices after a delay.
 */
import type { TransportEvents } from '../transport/transport.ts'
import type { ResolvedNetworkOptions } from './network-options.ts'
import type { Scheduler } from './scheduler.ts'
import type { Trace } from './trace.ts'

/** One attachment of a node's transport to the network (a restart attaches a new one). */
export interface Endpoint {
  readonly index: number
  readonly id: string
  readonly events: TransportEvents
  /** The peers this end believes it is connected to, each with the connection's epoch. */
  readonly sees: Map<string, number>
  /** Dials waiting for a connection, by peer index. */
  readonly dials: Map<number, Array<{ resolve(id: string): void; reject(error: Error): void }>>
}

interface Pair {
  state: 'up' | 'down'
  epoch: number
  dialing: boolean
}

/** Dials one node may have waiting: a node dialing in a loop without awaiting is a bug, not a workload. */
export const DIALS_PENDING_MAX = 256

export class Connections {
  readonly #pairs: Pair[] = []
  readonly #endpoints: Array<Endpoint | undefined>
  readonly #ids: readonly string[]
  readonly #scheduler: Scheduler
  readonly #trace: Trace
  readonly #options: ResolvedNetworkOptions
  readonly #passable: (a: number, b: number) => boolean

  constructor(
    scheduler: Scheduler,
    trace: Trace,
    ids: readonly string[],
    options: ResolvedNetworkOptions,
    passable: (a: number, b: number) => boolean,
  ) {
    this.#scheduler = scheduler
    this.#trace = trace
    this.#ids = ids
    this.#options = options
    this.#passable = passable
    this.#endpoints = ids.map(() => undefined)
    for (let i = 0; i < ids.length * ids.length; i++)
      this.#pairs.push({ state: 'down', epoch: 0, dialing: false })
  }

  #pair(a: number, b: number): Pair {
    return this.#pairs[Math.min(a, b) * this.#ids.length + Math.max(a, b)] as Pair
  }

  #id(index: number): string {
    return this.#ids[index] as string
  }

  endpointAt(index: number): Endpoint | undefined {
    return this.#endpoints[index]
  }

  isCurrent(endpoint: Endpoint): boolean {
    return this.#endpoints[endpoint.index] === endpoint
  }

  /** Whether connection `epoch` between a and b is still open. */
  isUp(a: number, b: number, epoch: number): boolean {
    const pair = this.#pair(a, b)
    return pair.state === 'up' && pair.epoch === epoch
  }

  attach(index: number, events: TransportEvents): Endpoint {
    if (this.#endpoints[index] !== undefined) throw new Error(`node ${this.#id(index)} is already attached`)
    const endpoint: Endpoint = { index, id: this.#id(index), events, sees: new Map(), dials: new Map() }
    this.#endpoints[index] = endpoint
    this.#ids.forEach((_, other) => {
      if (other !== index) this.#reconcile(index, other, () => 0)
    })
    return endpoint
  }

  /** Takes `endpoint` off the network; each peer notices after `noticeMs(peer)`. */
  detach(endpoint: Endpoint, noticeMs: (peer: number) => number): void {
    if (!this.isCurrent(endpoint)) return
    this.#endpoints[endpoint.index] = undefined
    endpoint.sees.clear()
    for (const waiters of endpoint.dials.values()) {
      for (const waiter of waiters) waiter.reject(new Error('dial: transport stopped'))
    }
    endpoint.dials.clear()
    this.#ids.forEach((_, other) => {
      if (other !== endpoint.index) this.#reconcile(endpoint.index, other, noticeMs)
    })
  }

  /** Brings every pair in line with the link table (after a fault changed it). */
  reconcileAll(): void {
    const n = this.#ids.length
    for (let a = 0; a < n; a++) {
      for (let b = a + 1; b < n; b++) this.#reconcile(a, b, () => this.#options.disconnectDetectMs)
    }
  }

  #reconcile(a: number, b: number, noticeMs: (peer: number) => number): void {
    const pair = this.#pair(a, b)
    const wanted =
      this.#endpoints[a] !== undefined && this.#endpoints[b] !== undefined && this.#passable(a, b)
    if (pair.state === 'up' && !wanted) {
      pair.state = 'down'
      this.#noticeDown(a, b, pair.epoch, noticeMs(a))
      this.#noticeDown(b, a, pair.epoch, noticeMs(b))
    } else if (pair.state === 'down' && wanted && !pair.dialing) {
      pair.dialing = true
      this.#scheduler.schedule(this.#scheduler.nowMs + this.#options.connectMs, 'link', undefined, () => {
        pair.dialing = false
        const stillWanted =
          this.#endpoints[a] !== undefined && this.#endpoints[b] !== undefined && this.#passable(a, b)
        if (pair.state === 'down' && stillWanted) this.#up(a, b, pair)
        return false
      })
    }
  }

  #noticeDown(side: number, peer: number, epoch: number, delayMs: number): void {
    const peerId = this.#id(peer)
    this.#scheduler.schedule(this.#scheduler.nowMs + delayMs, 'notify', this.#id(side), () => {
      const endpoint = this.#endpoints[side]
      if (endpoint === undefined || endpoint.sees.get(peerId) !== epoch) return false
      this.#disconnect(endpoint, peerId)
      return true
    })
  }

  #up(a: number, b: number, pair: Pair): void {
    pair.state = 'up'
    const epoch = ++pair.epoch
    for (const [side, peer] of [
      [a, b],
      [b, a],
    ] as const) {
      this.#scheduler.schedule(this.#scheduler.nowMs, 'notify', this.#id(side), () => {
        const endpoint = this.#endpoints[side]
        if (endpoint === undefined || !this.isUp(a, b, epoch)) return false
        this.#connect(endpoint, peer, epoch)
        return true
      })
    }
  }

  #disconnect(endpoint: Endpoint, peerId: string): void {
    endpoint.sees.delete(peerId)
    this.#trace.record({ t: this.#scheduler.nowMs, k: 'disconnect', node: endpoint.id, peer: peerId })
    endpoint.events.disconnect(peerId)
  }

  #connect(endpoint: Endpoint, peer: number, epoch: number): void {
    const peerId = this.#id(peer)
    // An end that never noticed the old connection die sees it replaced: disconnect, then connect.
    if (endpoint.sees.has(peerId)) this.#disconnect(endpoint, peerId)
    endpoint.sees.set(peerId, epoch)
    this.#trace.record({ t: this.#scheduler.nowMs, k: 'connect', node: endpoint.id, peer: peerId })
    endpoint.events.connect(peerId)
    const waiters = endpoint.dials.get(peer) ?? []
    endpoint.dials.delete(peer)
    for (const waiter of waiters) waiter.resolve(peerId)
  }

  /** Resolves once `endpoint` is connected to `peer`; rejects after `dialTimeoutMs`. */
  dial(endpoint: Endpoint, peer: number): Promise<string> {
    const peerId = this.#id(peer)
    if (!this.isCurrent(endpoint)) return Promise.reject(new Error('dial: transport not started'))
    if (peer === endpoint.index) return Promise.reject(new Error('dial: cannot dial self'))
    if (endpoint.sees.has(peerId)) return Promise.resolve(peerId)
    const waiters = endpoint.dials.get(peer) ?? []
    const pending = [...endpoint.dials.values()].reduce((sum, list) => sum + list.length, 0)
    if (pending >= DIALS_PENDING_MAX)
      return Promise.reject(new Error(`dial: ${DIALS_PENDING_MAX} dials pending`))
    endpoint.dials.set(peer, waiters)
    return new Promise((resolve, reject) => {
      const waiter = { resolve, reject }
      waiters.push(waiter)
      this.#scheduler.schedule(
        this.#scheduler.nowMs + this.#options.dialTimeoutMs,
        'timer',
        endpoint.id,
        () => {
          const index = waiters.indexOf(waiter)
          if (index < 0) return false
          waiters.splice(index, 1)
          reject(new Error(`dial ${peerId}: not connected after ${this.#options.dialTimeoutMs} ms`))
          return true
        },
      )
    })
  }
}
