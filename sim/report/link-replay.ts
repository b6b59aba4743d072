/**
 * Who could reach whom, replayed from a trace's fault and node lines: the
 * link table each fault set (through the same pure functions the simulator
 * applies, fed the resolved arguments the trace records) and which nodes
 * were up. A frame from a to b passes when the link a>b is not cut and both
 * ends run.
 */
import {
  bridgeLinks,
  type DirectedLink,
  isolateLinks,
  majoritiesRingLinks,
  partitionLinks,
} from '../links.ts'

/** Pair state for the timeline rows: both directions pass, one does, or none. */
export type PairState = 2 | 1 | 0

/** The link state from time `t` on. */
export interface LinkSnapshot {
  t: number
  /** Per unordered pair (in `pairsOf` order); empty when the report draws no pair rows. */
  pairs: PairState[]
  /** Per node: how many peers its frames reach (null while it is down). */
  reach: Array<number | null>
}

/** Unordered pairs as index tuples, in row order (n1-n2, n1-n3, ...). */
export function pairsOf(count: number): Array<[number, number]> {
  const pairs: Array<[number, number]> = []
  for (let i = 0; i < count; i++) for (let j = i + 1; j < count; j++) pairs.push([i, j])
  return pairs
}

export class LinkReplay {
  readonly ids: readonly string[]
  readonly #index = new Map<string, number>()
  readonly #cut = new Set<string>()
  readonly #up: boolean[]
  readonly #pairs: Array<[number, number]>

  /** `pairRows`: also compute per-pair states (n² per snapshot, so only for small clusters). */
  constructor(ids: readonly string[], pairRows: boolean) {
    this.ids = ids
    ids.forEach((id, i) => {
      this.#index.set(id, i)
    })
    this.#up = ids.map(() => false)
    this.#pairs = pairRows ? pairsOf(ids.length) : []
  }

  /** Applies one fault line (skipped ones change nothing). Returns whether the link table changed. */
  fault(fault: string, args: readonly unknown[]): boolean {
    const ids = this.ids
    switch (fault) {
      case 'partition':
        return this.#replace(partitionLinks(ids, args[0] as string[][]))
      case 'isolate':
        return this.#replace(isolateLinks(ids, args[0] as string))
      case 'bridge':
        return this.#replace(bridgeLinks(ids, args[0] as string[], args[1] as string))
      case 'majoritiesRing':
        return this.#replace(majoritiesRingLinks(args[0] as string[]))
      case 'heal':
        return this.#replace([])
      case 'oneWay': {
        const key = `${args[0]}>${args[1]}`
        const added = !this.#cut.has(key)
        this.#cut.add(key)
        return added
      }
      case 'cut':
      case 'restore':
        for (const key of [`${args[0]}>${args[1]}`, `${args[1]}>${args[0]}`]) {
          if (fault === 'cut') this.#cut.add(key)
          else this.#cut.delete(key)
        }
        return true
      default:
        return false
    }
  }

  /** Applies a node lifecycle line. Returns whether reachability changed. */
  node(id: string, what: string): boolean {
    const i = this.#index.get(id)
    if (i === undefined) return false
    const up =
      what === 'started'
        ? true
        : ['crash', 'restart', 'start', 'stop', 'stopped'].includes(what)
          ? false
          : undefined
    if (up === undefined || this.#up[i] === up) return false
    this.#up[i] = up
    return true
  }

  /** Replaces the cut links; false if the table stays the same (a heal of a healed network). */
  #replace(links: readonly DirectedLink[]): boolean {
    const next = new Set(links.map(([from, to]) => `${from}>${to}`))
    if (next.size === this.#cut.size && [...next].every((key) => this.#cut.has(key))) return false
    this.#cut.clear()
    for (const key of next) this.#cut.add(key)
    return true
  }

  #passes(from: number, to: number): boolean {
    return (
      (this.#up[from] ?? false) &&
      (this.#up[to] ?? false) &&
      !this.#cut.has(`${this.ids[from]}>${this.ids[to]}`)
    )
  }

  /** The state now, stamped `t`. */
  snapshot(t: number): LinkSnapshot {
    const n = this.ids.length
    const pairs = this.#pairs.map(([a, b]): PairState => {
      const ab = this.#passes(a, b)
      const ba = this.#passes(b, a)
      return ab && ba ? 2 : ab || ba ? 1 : 0
    })
    const reach: Array<number | null> = []
    for (let from = 0; from < n; from++) {
      if (!this.#up[from]) {
        reach.push(null)
        continue
      }
      let count = 0
      for (let to = 0; to < n; to++) if (to !== from && this.#passes(from, to)) count++
      reach.push(count)
    }
    return { t, pairs, reach }
  }
}
