/**
 * `faultPlan`: generated fault plans as plain arrays, so fast-check shrinks a
 * failing one to a minimal one (fewer steps, earlier times, smaller groups,
 * the first nodes).
 */
import fc from 'fast-check'
import { ScenarioError } from '../errors.ts'
import { FAULT_NAMES, type FaultName, type FaultStep } from '../fault-plan.ts'
import { nodeIdsOf } from '../node-ids.ts'

export interface FaultPlanConstraints {
  /** A count (ids n1..nN) or the ids. */
  nodes: number | readonly string[]
  /** Steps fall in [0, durationMs). */
  durationMs: number
  /** The faults to draw from. Default: all of `FAULT_NAMES`. */
  kinds?: readonly FaultName[]
  /** At most this many steps. Default 6. */
  stepsMax?: number
  /** Longest pause drawn. Default 3000 ms. */
  pauseMsMax?: number
  /** Largest clock skew drawn, either way. Default 2000 ms. */
  skewMsMax?: number
}

type StepArgs = fc.Arbitrary<unknown[]>

/** A permutation of `ids`. */
function permutation(ids: readonly string[]): fc.Arbitrary<string[]> {
  return fc.shuffledSubarray([...ids], { minLength: ids.length, maxLength: ids.length })
}

/** Groups by a label per node; shrinks toward one group (no partition). */
function groups(ids: readonly string[]): fc.Arbitrary<string[][]> {
  return fc.array(fc.nat(2), { minLength: ids.length, maxLength: ids.length }).map((labels) => {
    const byLabel = new Map<number, string[]>()
    labels.forEach((label, i) => {
      byLabel.set(label, [...(byLabel.get(label) ?? []), ids[i] as string])
    })
    return [...byLabel.keys()].sort().map((label) => byLabel.get(label) as string[])
  })
}

function argsFor(
  kind: FaultName,
  ids: readonly string[],
  c: Required<FaultPlanConstraints>,
): StepArgs | undefined {
  const id = fc.constantFrom(...ids)
  const n = ids.length
  switch (kind) {
    case 'partition':
      return groups(ids).map((g) => [g])
    case 'isolate':
    case 'restart':
      return id.map((x) => [x])
    case 'oneWay':
      if (n < 2) return undefined
      return fc.tuple(fc.nat(n - 1), fc.nat(n - 2)).map(([i, j]) => [ids[i], ids[j >= i ? j + 1 : j]])
    case 'bridge':
      if (n < 3) return undefined
      return permutation(ids).map((p) => {
        const leftCount = Math.floor((n - 1) / 2)
        return [p.slice(1, 1 + leftCount), p[0], p.slice(1 + leftCount)]
      })
    case 'majoritiesRing':
      return permutation(ids).map((ring) => [ring])
    case 'swizzle':
      if (n < 2) return undefined
      return fc
        .tuple(fc.integer({ min: 20, max: 500 }), fc.shuffledSubarray([...ids], { minLength: 2 }))
        .map(([stepMs, nodes]) => [{ stepMs, nodes }])
    case 'heal':
      return fc.constant([])
    case 'crash':
      // Shrinks toward a plain process crash.
      return fc.tuple(id, fc.boolean()).map(([x, powerLoss]) => (powerLoss ? [x, { lose: 'unsynced' }] : [x]))
    case 'storeFault':
      return fc.tuple(id, fc.integer({ min: 1, max: 3 })).map(([x, n]) => [x, { failWrites: n }])
    case 'corrupt':
      // Applies only while the node is down: plans that mix it with crashes make it bite.
      return fc.tuple(id, fc.integer({ min: 1, max: 3 })).map(([x, n]) => [x, { records: n }])
    case 'pause':
      return fc.tuple(id, fc.integer({ min: 1, max: c.pauseMsMax })).map((a) => [...a])
    case 'skew':
      return fc.tuple(id, fc.integer({ min: -c.skewMsMax, max: c.skewMsMax })).map((a) => [...a])
    case 'drift':
      return fc.tuple(id, fc.integer({ min: -100, max: 100 })).map(([x, k]) => [x, 1 + k / 1000])
  }
}

/** An arbitrary fault plan: up to `stepsMax` steps of the given kinds, sorted by `atMs`. */
export function faultPlan(constraints: FaultPlanConstraints): fc.Arbitrary<FaultStep[]> {
  const ids = nodeIdsOf(constraints.nodes)
  const c: Required<FaultPlanConstraints> = {
    kinds: FAULT_NAMES,
    stepsMax: 6,
    pauseMsMax: 3000,
    skewMsMax: 2000,
    ...constraints,
    nodes: ids,
  }
  if (!(c.durationMs >= 1)) throw new ScenarioError('durationMs', 'expected a number ≥ 1')
  const atMs = fc.integer({ min: 0, max: Math.floor(c.durationMs) - 1 })
  const steps = c.kinds.flatMap((kind) => {
    const args = argsFor(kind, ids, c)
    if (args === undefined) return []
    const step = fc.record({ atMs, fault: fc.constant(kind), args }) as fc.Arbitrary<FaultStep>
    return [kind === 'corrupt' ? rotWhileDown(step, c.durationMs) : step.map((s) => [s])]
  })
  if (steps.length === 0)
    throw new ScenarioError('kinds', `no fault of these kinds fits ${ids.length} node(s)`)
  return fc
    .array(fc.oneof(...steps), { maxLength: c.stepsMax })
    .map((plan) => plan.flat().sort((a, b) => a.atMs - b.atMs))
}

/**
 * A `corrupt` step comes with the crash before it and the restart after it,
 * so that records really rot while the node is down (a lone `corrupt` on a
 * running node is a traced no-op); shrinking drops the three together.
 */
function rotWhileDown(step: fc.Arbitrary<FaultStep>, durationMs: number): fc.Arbitrary<FaultStep[]> {
  return fc
    .tuple(step, fc.integer({ min: 1, max: Math.max(1, Math.floor(durationMs / 2)) }))
    .map(([rot, downMs]) => {
      const id = rot.args[0]
      return [
        { atMs: rot.atMs, fault: 'crash', args: [id] },
        { atMs: rot.atMs + 1, fault: 'corrupt', args: rot.args },
        { atMs: rot.atMs + 1 + downMs, fault: 'restart', args: [id] },
      ]
    })
}
