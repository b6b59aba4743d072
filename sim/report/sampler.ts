/**
 * Samples each node's divergence (version-vector distance to the union of
 * all running nodes' vectors) every `everyMs` of virtual time, for the
 * report. It rides on the checker registry's `everyStep` hook instead of
 * scheduling events of its own, so sampling adds no event, reorders nothing
 * and leaves the trace hash alone; a sample is taken after the first event
 * at or past each period boundary.
 */
import type { Invariant } from '../checkers.ts'
import type { SimNodeLike } from '../node-host.ts'
import type { Simulation } from '../simulation.ts'
import type { SampleRecord } from './records.ts'

type Vector = Readonly<Record<string, number>>

/** What each node lacks from the union of `vectors` (undefined: the node is down, so null). */
export function divergence(vectors: ReadonlyArray<Vector | undefined>): {
  behind: Array<number | null>
  held: number
} {
  const union = new Map<string, number>()
  for (const vector of vectors) {
    if (vector === undefined) continue
    for (const [origin, seq] of Object.entries(vector)) {
      if (seq > (union.get(origin) ?? 0)) union.set(origin, seq)
    }
  }
  let held = 0
  for (const seq of union.values()) held += seq
  const behind = vectors.map((vector) => {
    if (vector === undefined) return null
    let lacking = 0
    for (const [origin, seq] of union) lacking += seq - Math.min(seq, vector[origin] ?? 0)
    return lacking
  })
  return { behind, held }
}

export interface SamplerOptions<N extends SimNodeLike> {
  everyMs: number
  /** A running node's version vector. */
  vector(node: N): Vector
  emit(sample: SampleRecord): void
}

export interface DivergenceSampler<N extends SimNodeLike> {
  /** Add it to the simulation's invariants; it never reports a violation. */
  readonly invariant: Invariant<Simulation<N>>
  /** Takes a sample now (the end state, after the run returned). No-op before the first event. */
  sampleNow(): void
}

/** The sampler's checker name, so summaries can leave it out of the invariants they list. */
export const SAMPLER_NAME = 'report-sampler'

/** Samples each running node's divergence every `options.everyMs` of virtual time, through an invariant's `everyStep` hook (the trace hash stays the same). */
export function divergenceSampler<N extends SimNodeLike>(options: SamplerOptions<N>): DivergenceSampler<N> {
  let nextMs = 0
  let seen: Simulation<N> | undefined
  const take = (sim: Simulation<N>) => {
    const vectors = sim.ids.map((id) =>
      sim.status(id) === 'running' ? options.vector(sim.node(id)) : undefined,
    )
    const { behind, held } = divergence(vectors)
    const byNode: Record<string, number | null> = {}
    sim.ids.forEach((id, i) => {
      byNode[id] = behind[i] ?? null
    })
    options.emit({ t: sim.nowMs, k: 'sample', behind: byNode, held })
  }
  return {
    invariant: {
      name: SAMPLER_NAME,
      everyStep(sim) {
        seen = sim
        if (sim.nowMs < nextMs) return undefined
        nextMs = (Math.floor(sim.nowMs / options.everyMs) + 1) * options.everyMs
        take(sim)
        return undefined
      },
    },
    sampleNow() {
      if (seen !== undefined) take(seen)
    },
  }
}
