/**
 * How nodes exchange frames. A transport moves opaque byte frames between
 * node ids and says when peers connect and disconnect; everything above it
 * (sync, heartbeats, work) is the node's. libp2p and the simulator's network
 * implement it and run `runTransportConformance`.
 */
import type { Env } from '../src/env/types.ts'

/** What the transport tells the node. */
export interface TransportEvents {
  /** A whole frame from `from`. Frames from one peer arrive in the order sent, unless the network reorders them (simulator). */
  frame(from: string, frame: Uint8Array): void
  /** A connection to `peer` is up (dialed or accepted). */
  connect(peer: string): void
  /** The connection to `peer` is gone. */
  disconnect(peer: string): void
}

/** Where a transport keeps its identity (the libp2p key pair), backed by the node's store. */
export interface IdentityStore {
  load(): Promise<Uint8Array | undefined>
  save(identity: Uint8Array): Promise<void>
}

export interface TransportContext {
  env: Env
  identity: IdentityStore
  events: TransportEvents
}

export interface Transport {
  /** Starts listening and dialing; resolves with this node's id (stable for a stable identity). */
  start(ctx: TransportContext): Promise<{ id: string }>
  /** Closes every connection; no event fires after it resolves. */
  stop(): Promise<void>
  /** Sends one frame, best effort. Returns false if `peer` is not connected or its queue is full. */
  send(peer: string, frame: Uint8Array): boolean
  /** Ids of the peers connected now. */
  connected(): string[]
  /** Addresses peers can dial this node at. */
  addresses(): string[]
  /** Dials an address (a multiaddr for libp2p); resolves with the peer's id. */
  dial(address: string): Promise<string>
}
