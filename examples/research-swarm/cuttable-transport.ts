/**
 * A Transport wrapper that can cut links, for a partition over real libp2p
 * in one process: frames to or from a cut peer are dropped, as a network
 * that loses every packet would; the connections themselves stay up.
 */
import type { Transport } from '../../transport/transport.ts'

export interface CuttableTransport {
  transport: Transport
  /** Peers whose frames are dropped both ways; clear it to heal. */
  readonly cut: Set<string>
}

export function cuttable(inner: Transport): CuttableTransport {
  const cut = new Set<string>()
  const transport: Transport = {
    start: (ctx) =>
      inner.start({
        ...ctx,
        events: {
          frame: (from, frame) => {
            if (!cut.has(from)) ctx.events.frame(from, frame)
          },
          connect: (peer) => ctx.events.connect(peer),
          disconnect: (peer) => ctx.events.disconnect(peer),
        },
      }),
    stop: () => inner.stop(),
    // Dropped, as the network would: the sender cannot tell.
    send: (peer, frame) => (cut.has(peer) ? true : inner.send(peer, frame)),
    connected: () => inner.connected(),
    addresses: () => inner.addresses(),
    dial: (address) => inner.dial(address),
  }
  return { transport, cut }
}
