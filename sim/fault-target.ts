/**
 * The fault target a simulation hands its FaultApplier: how each node verb
 * (crash, restart, pause, clocks, storage faults) reaches the node's host.
 */
import type { Random } from '../src/env/types.ts'
import type { DocVectors } from './corruption.ts'
import type { CorruptOptions, CrashOptions, StoreFaultOptions } from './fault-plan.ts'
import type { FaultTarget } from './faults.ts'
import type { SimNetwork } from './network.ts'
import { docVectorsOf, type NodeHost, type SimNodeLike } from './node-host.ts'
import type { Scheduler } from './scheduler.ts'
import type { Trace } from './trace.ts'

/** What the target needs from its simulation. */
export interface FaultWorld<N extends SimNodeLike> {
  ids: readonly string[]
  network: SimNetwork
  scheduler: Scheduler
  trace: Trace
  host(id: string): NodeHost<N, unknown>
  running(): Array<{ id: string; node: N }>
}

/** Per-document vectors of every running node but `id`: the witnesses a rot may lean on. */
function othersVectors<N extends SimNodeLike>(world: FaultWorld<N>, id: string): DocVectors[] {
  const out: DocVectors[] = []
  for (const r of world.running()) {
    const vectors = r.id === id ? undefined : docVectorsOf(r.node)
    if (vectors !== undefined) out.push(vectors)
  }
  return out
}

export function faultTarget<N extends SimNodeLike>(world: FaultWorld<N>, random: Random): FaultTarget {
  const { host, scheduler } = world
  return {
    ids: world.ids,
    network: world.network,
    scheduler,
    trace: world.trace,
    random,
    crashNode: (id: string, options: CrashOptions) => host(id).crash(options),
    restartNode: (id: string) => host(id).restart(),
    pauseNode: (id: string, ms: number) => {
      if (host(id).status !== 'running') return `${id} is ${host(id).status}`
      scheduler.pause(id, ms)
      return undefined
    },
    skewNode: (id: string, ms: number) => {
      host(id).clock.setSkew(ms)
      return undefined
    },
    driftNode: (id: string, rate: number) => {
      host(id).clock.setRate(rate, scheduler.nowMs)
      return undefined
    },
    storeFault: (id: string, options: StoreFaultOptions) => {
      if (host(id).durable.db === undefined) return `${id}'s store was supplied by the caller`
      host(id).durable.failWrites(options.failWrites)
      return undefined
    },
    corrupt: (id: string, options: CorruptOptions) =>
      host(id).corrupt(options.records, () => othersVectors(world, id)),
  }
}
