/**
 * `isthmus/transport`: the Transport contract and its libp2p implementation.
 *
 * ```ts
 * import { libp2pTransport } from 'isthmus/transport'
 * const transport = libp2pTransport({ listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [address] })
 * ```
 */

/** The libp2p transport and what it reports. */
export { type Libp2pTransport, libp2pTransport } from './libp2p.ts'
/** Operational errors of the libp2p transport, each with a `name`. */
export {
  DialError,
  TransportIdentityError,
  TransportOptionsError,
  TransportStateError,
} from './libp2p-errors.ts'
/** The protocol id of the frame stream. */
export { ISTHMUS_PROTOCOL } from './libp2p-links.ts'
/** Options of `libp2pTransport`; `DEFAULT_FRAME_BYTES_MAX` is 32 MiB. */
export { DEFAULT_FRAME_BYTES_MAX, type Libp2pTransportOptions } from './libp2p-options.ts'
/** Redial backoff for bootstrap peers; `DEFAULT_RECONNECT_POLICY` is 250 ms doubling to 30 s. */
export { DEFAULT_RECONNECT_POLICY, type ReconnectPolicy } from './libp2p-reconnect.ts'
/** Counters the libp2p transport keeps (`transport.stats()`). */
export type { DropReason, Libp2pTransportStats } from './libp2p-stats.ts'
/** The Transport contract: what a node needs from a network (see transport.ts). */
export type { IdentityStore, Transport, TransportContext, TransportEvents } from './transport.ts'
