/**
 * Invariants and a workload for the counter test protocol, registered
 * through the simulator's checker registry as a layer above would.
 */

import type { Invariant, Simulation, WorkloadOp } from '../../sim/index.ts'
import { seededRandom } from '../../src/env/seeded-random.ts'
import type { CounterNode } from './counter-node.ts'

/** At quiescence every node holds the same counts, byte for byte. */
export function counterConvergence(): Invariant<Simulation<CounterNode>> {
  return {
    name: 'counter-convergence',
    atQuiescence(sim) {
      const states = sim.running().map(({ id, node }) => `${id}=${node.encoded()}`)
      const distinct = new Set(states.map((s) => s.slice(s.indexOf('=') + 1)))
      return distinct.size <= 1 ? undefined : `replicas differ: ${states.join(' ')}`
    },
  }
}

/** Acknowledged adds per origin, filled in by `applyAdd`. */
export type AckedAdds = Map<string, number>

/** At quiescence every node counts at least what each origin had acknowledged. */
export function noLostAdd(acked: AckedAdds): Invariant<Simulation<CounterNode>> {
  return {
    name: 'no-lost-add',
    atQuiescence(sim) {
      const lost: string[] = []
      for (const { id, node } of sim.running()) {
        for (const [origin, n] of acked) {
          if (node.countOf(origin) < n)
            lost.push(`${id} counts ${node.countOf(origin)} for ${origin}, ${n} acked`)
        }
      }
      return lost
    },
  }
}

/** Applies an `add` workload op and records it once acknowledged. */
export function applyAdd(acked: AckedAdds) {
  return async (node: CounterNode, op: WorkloadOp) => {
    const n = typeof op.args === 'number' ? op.args : 1
    await node.add(n)
    acked.set(node.id, (acked.get(node.id) ?? 0) + n)
  }
}

/** A workload drawn from the seed: an add every ~`everyMs` on a random node, during [0, durationMs). */
export function addsFromSeed(
  seed: number,
  ids: readonly string[],
  durationMs: number,
  everyMs = 200,
): WorkloadOp[] {
  const random = seededRandom(seed).fork('workload')
  const ops: WorkloadOp[] = []
  for (
    let atMs = Math.floor(random.next() * everyMs);
    atMs < durationMs;
    atMs += Math.floor(1 + random.next() * everyMs * 2)
  ) {
    ops.push({
      atMs,
      node: ids[Math.floor(random.next() * ids.length)] as string,
      op: 'add',
      args: 1 + Math.floor(random.next() * 3),
    })
  }
  return ops
}
