/**
 * The libp2p Transport: nodes exchange frames over libp2p 3 (TCP, Noise,
 * Yamux, identify, ping) on one long-lived `/isthmus/1.0.0` stream per peer,
 * each frame a varint length and its bytes. The node id is the libp2p peer
 * id, whose key pair is kept through the node's identity store.
 *
 * The lifecycle lives here; one run (libp2p node, streams, redials) is a
 * Libp2pRun, so the same transport can be stopped and started again.
 */

import { TransportStateError } from './libp2p-errors.ts'
import type { Libp2pTransportOptions } from './libp2p-options.ts'
import { resolveOptions } from './libp2p-options.ts'
import { Libp2pRun } from './libp2p-run.ts'
import { copyStats, emptyStats, type Libp2pTransportStats } from './libp2p-stats.ts'
import type { Transport, TransportContext } from './transport.ts'

/** A Transport over libp2p, with counters for frames and drops. */
export interface Libp2pTransport extends Transport {
  /** A copy of the counters: frames and bytes each way, drops by reason, streams reset. */
  stats(): Libp2pTransportStats
}

/** Makes a libp2p transport; throws TransportOptionsError if `options` do not validate. */
export function libp2pTransport(options: Libp2pTransportOptions): Libp2pTransport {
  const resolved = resolveOptions(options)
  const stats = emptyStats()
  let run: Libp2pRun | undefined
  let starting: Promise<Libp2pRun> | undefined

  return {
    async start(ctx: TransportContext) {
      if (run !== undefined || starting !== undefined)
        throw new TransportStateError('transport already started')
      starting = Libp2pRun.start(resolved, ctx, stats)
      try {
        run = await starting
      } finally {
        starting = undefined
      }
      return { id: run.id }
    },
    async stop() {
      // A stop racing a start waits for it, then stops what it started.
      const current = run ?? (await starting?.catch(() => undefined))
      run = undefined
      await current?.stop()
    },
    send(peer, frame) {
      if (run === undefined) {
        stats.dropped.notConnected++
        return false
      }
      return run.send(peer, frame)
    },
    connected: () => run?.connected() ?? [],
    addresses: () => run?.addresses() ?? [],
    dial(address) {
      if (run === undefined) return Promise.reject(new TransportStateError('dial before start'))
      return run.dial(address)
    },
    stats: () => copyStats(stats),
  }
}
