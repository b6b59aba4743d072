/**
 * Applying faults: the link faults act on the network's link table; the node
 * faults ask the simulation (crash, restart, pause, clocks). Faults that
 * replace the whole link table (partition, isolate, bridge, majoritiesRing,
 * heal) also cancel the remaining steps of a swizzle under way; oneWay adds
 * to the table. Every application is a `fault` trace line with the resolved
 * arguments (what a drawn ring or swizzle order turned out to be).
 */
import type { Random } from '../src/env/types.ts'
import type {
  CorruptOptions,
  CrashOptions,
  FaultName,
  FaultStep,
  StoreFaultOptions,
  SwizzleOptions,
} from './fault-plan.ts'
import {
  bridgeLinks,
  type DirectedLink,
  isolateLinks,
  majoritiesRingLinks,
  partitionLinks,
  unorderedPairs,
} from './links.ts'
import type { SimNetwork } from './network.ts'
import type { Scheduler } from './scheduler.ts'
import type { Trace } from './trace.ts'

/** What faults act on. The node verbs return a reason when the fault does not apply (e.g. restart of a running node). */
export interface FaultTarget {
  readonly ids: readonly string[]
  readonly network: SimNetwork
  readonly scheduler: Scheduler
  readonly trace: Trace
  /** The faults' own random stream (ring orders, swizzle orders). */
  readonly random: Random
  crashNode(id: string, options: CrashOptions): string | undefined
  restartNode(id: string): string | undefined
  pauseNode(id: string, ms: number): string | undefined
  skewNode(id: string, ms: number): string | undefined
  driftNode(id: string, rate: number): string | undefined
  /** Arms failing write batches on `id`'s store. */
  storeFault(id: string, options: StoreFaultOptions): string | undefined
  /** Rots records of `id`'s store while it is down (the outcome is traced when done). */
  corrupt(id: string, options: CorruptOptions): string | undefined
}

/** The default time between two swizzle steps. */
export const SWIZZLE_STEP_MS_DEFAULT = 100

/** Fisher–Yates with `random`. */
export function shuffled<T>(items: readonly T[], random: Random): T[] {
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1))
    const held = out[i] as T
    out[i] = out[j] as T
    out[j] = held
  }
  return out
}

function bothWays([a, b]: readonly [string, string]): DirectedLink[] {
  return [
    [a, b],
    [b, a],
  ]
}

export class FaultApplier {
  readonly #target: FaultTarget
  /** Raised by every fault that replaces the link table; a swizzle step from an older epoch is void. */
  #tableEpoch = 0
  /** Arguments as drawn, when a fault drew them (recorded instead of the given ones). */
  #resolvedArgs: unknown[] | undefined

  constructor(target: FaultTarget) {
    this.#target = target
  }

  /** Applies one (validated) step now. */
  apply(step: Pick<FaultStep, 'fault' | 'args'>): void {
    const args = step.args
    const skipped = this.#dispatch(step.fault, args)
    const resolved = this.#resolvedArgs ?? args
    this.#resolvedArgs = undefined
    const t = this.#target.scheduler.nowMs
    this.#target.trace.record(
      skipped === undefined
        ? { t, k: 'fault', fault: step.fault, args: resolved }
        : { t, k: 'fault', fault: step.fault, args: resolved, skipped },
    )
  }

  #dispatch(fault: FaultName, args: unknown[]): string | undefined {
    const t = this.#target
    const id = args[0] as string
    switch (fault) {
      case 'partition':
        return this.#replaceTable(partitionLinks(t.ids, args[0] as string[][]))
      case 'isolate':
        return this.#replaceTable(isolateLinks(t.ids, id))
      case 'oneWay':
        t.network.setCut([[id, args[1] as string]], true)
        return undefined
      case 'bridge':
        return this.#bridge(args)
      case 'majoritiesRing': {
        const ring = (args[0] as string[] | undefined) ?? shuffled(t.ids, t.random)
        this.#resolvedArgs = [ring]
        return this.#replaceTable(majoritiesRingLinks(ring))
      }
      case 'swizzle':
        return this.#swizzle((args[0] ?? {}) as SwizzleOptions)
      case 'heal':
        return this.#replaceTable([])
      case 'crash':
        return t.crashNode(id, (args[1] ?? {}) as CrashOptions)
      case 'restart':
        return t.restartNode(id)
      case 'pause':
        return t.pauseNode(id, args[1] as number)
      case 'skew':
        return t.skewNode(id, args[1] as number)
      case 'drift':
        return t.driftNode(id, args[1] as number)
      case 'storeFault':
        return t.storeFault(id, args[1] as StoreFaultOptions)
      case 'corrupt':
        return t.corrupt(id, args[1] as CorruptOptions)
    }
  }

  #replaceTable(cut: DirectedLink[]): undefined {
    this.#tableEpoch++
    this.#target.network.restoreAll()
    this.#target.network.setCut(cut, true)
    return undefined
  }

  #bridge(args: unknown[]): undefined {
    let left = args[0] as string[] | undefined
    let middle = args[1] as string | undefined
    if (left === undefined || middle === undefined) {
      const order = shuffled(this.#target.ids, this.#target.random)
      middle = order[0] as string
      left = order.slice(1, 1 + Math.floor((order.length - 1) / 2))
      this.#resolvedArgs = [left, middle, order.slice(1 + left.length)]
    }
    return this.#replaceTable(bridgeLinks(this.#target.ids, left, middle))
  }

  /**
   * FoundationDB's swizzle-clogging: cut the links among some nodes one pair
   * at a time, every `stepMs`, then restore them one at a time in another
   * random order. A later table-replacing fault voids the remaining steps.
   */
  #swizzle(options: SwizzleOptions): undefined {
    const t = this.#target
    const stepMs = options.stepMs ?? SWIZZLE_STEP_MS_DEFAULT
    let nodes = options.nodes ?? t.ids.filter(() => t.random.next() < 0.5)
    if (nodes.length < 2) nodes = [...t.ids]
    const pairs = shuffled(unorderedPairs(nodes), t.random)
    const restoreOrder = shuffled(pairs, t.random)
    this.#resolvedArgs = [{ stepMs, nodes }]
    const epoch = this.#tableEpoch
    const steps = [
      ...pairs.map((pair) => ({ pair, cut: true })),
      ...restoreOrder.map((pair) => ({ pair, cut: false })),
    ]
    steps.forEach(({ pair, cut }, i) => {
      t.scheduler.schedule(t.scheduler.nowMs + i * stepMs, 'fault', undefined, () => {
        if (epoch !== this.#tableEpoch) return false
        t.network.setCut(bothWays(pair), cut)
        t.trace.record({ t: t.scheduler.nowMs, k: 'fault', fault: cut ? 'cut' : 'restore', args: [...pair] })
        return false
      })
    })
    return undefined
  }
}
