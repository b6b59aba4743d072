/**
 * A test node that records what its transport tells it, with virtual times,
 * and exposes its Env, transport and store to the test.
 */

import type { SimNodeFactory, SimNodeLike } from '../../sim/index.ts'
import type { Env } from '../../src/env/types.ts'
import type { Store } from '../../store/store.ts'
import type { Transport } from '../../transport/transport.ts'

export type Heard =
  | { t: number; kind: 'frame'; peer: string; bytes: Uint8Array }
  | { t: number; kind: 'connect' | 'disconnect'; peer: string }

export interface Probe extends SimNodeLike {
  id: string
  env: Env
  transport: Transport
  store: Store
  incarnation: number
  heard: Heard[]
}

export const probeNode: SimNodeFactory<Probe> = async (ctx) => {
  const heard: Heard[] = []
  const now = () => ctx.env.clock.now()
  const events = {
    frame: (peer: string, bytes: Uint8Array) => heard.push({ t: now(), kind: 'frame', peer, bytes }),
    connect: (peer: string) => heard.push({ t: now(), kind: 'connect', peer }),
    disconnect: (peer: string) => heard.push({ t: now(), kind: 'disconnect', peer }),
  }
  return {
    id: ctx.id,
    env: ctx.env,
    transport: ctx.transport,
    store: ctx.store,
    incarnation: ctx.incarnation,
    heard,
    async start() {
      await ctx.store.open()
      await ctx.transport.start({
        env: ctx.env,
        events,
        identity: { load: async () => undefined, save: async () => {} },
      })
    },
    async stop() {
      await ctx.transport.stop()
      await ctx.store.close()
    },
  }
}

/** The frames `probe` heard from `peer`, as their first byte. */
export function framesFrom(probe: Probe, peer: string): number[] {
  return probe.heard.flatMap((h) => (h.kind === 'frame' && h.peer === peer ? [h.bytes[0] as number] : []))
}

export function eventsOf(probe: Probe, kind: 'connect' | 'disconnect', peer: string): number[] {
  return probe.heard.flatMap((h) => (h.kind === kind && h.peer === peer ? [h.t] : []))
}
