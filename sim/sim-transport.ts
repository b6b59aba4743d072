/**
 * The Transport a simulated node gets: frames and connection events through
 * the simulated network. It behaves as a real transport would and passes
 * `runTransportConformance`. A crash detaches it without `stop()`; the dead
 * incarnation's transport then sends nothing and hears nothing.
 */
import type { Transport, TransportContext } from '../transport/transport.ts'
import type { Endpoint, SimNetwork } from './network.ts'
import { SIM_ADDRESS_PREFIX } from './network.ts'

/** A simulated transport with the crash hook the simulation uses. */
export interface SimTransport extends Transport {
  /** The process died: detach now, peers notice after `disconnectDetectMs`, no event fires again. */
  crash(): void
}

/** A Transport for node `id` on `network`. Its id is `id`; its address `sim://<id>`. */
export function simTransport(network: SimNetwork, id: string): SimTransport {
  let endpoint: Endpoint | undefined
  let stopped = false
  const live = () => (endpoint !== undefined && network.isAttached(endpoint) ? endpoint : undefined)
  return {
    async start(ctx: TransportContext) {
      if (stopped) throw new Error(`transport ${id}: started after stop`)
      if (endpoint === undefined) endpoint = network.attach(id, ctx.events)
      return { id }
    },
    async stop() {
      stopped = true
      const current = live()
      if (current !== undefined) network.detach(current, 'stop')
    },
    crash() {
      stopped = true
      const current = live()
      if (current !== undefined) network.detach(current, 'crash')
    },
    send(peer, frame) {
      const current = live()
      return current !== undefined && network.send(current, peer, frame)
    },
    connected() {
      const current = live()
      return current === undefined ? [] : network.connected(current)
    },
    addresses() {
      return [`${SIM_ADDRESS_PREFIX}${id}`]
    },
    dial(address) {
      const current = live()
      if (current === undefined) return Promise.reject(new Error(`transport ${id}: not started`))
      return network.dial(current, address)
    },
  }
}
