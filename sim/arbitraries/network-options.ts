/**
 * `networkOptions`: generated network conditions (latency range, loss,
 * duplication, reordering), shrinking toward a clean, fast network.
 */
import fc from 'fast-check'
import type { NetworkOptions } from '../network-options.ts'

export interface NetworkOptionsConstraints {
  /** Highest latency drawn. Default 100 ms. */
  latencyMsMax?: number
  /** Highest loss probability drawn. Default 0.1. */
  lossMax?: number
  /** Highest duplication probability drawn. Default 0.05. */
  duplicateMax?: number
  /** Whether reordering may be drawn. Default true. */
  reorder?: boolean
}

/** A probability that shrinks to 0, rounded to 3 decimals (prints and replays exactly). */
function probability(max: number): fc.Arbitrary<number> {
  return fc.integer({ min: 0, max: Math.floor(max * 1000) }).map((k) => k / 1000)
}

/** An arbitrary `NetworkOptions` (uniform latency). */
export function networkOptions(constraints: NetworkOptionsConstraints = {}): fc.Arbitrary<NetworkOptions> {
  const latencyMsMax = constraints.latencyMsMax ?? 100
  return fc.record({
    latencyMs: fc
      .tuple(fc.nat(latencyMsMax), fc.nat(latencyMsMax))
      .map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as [number, number]),
    loss: probability(constraints.lossMax ?? 0.1),
    duplicate: probability(constraints.duplicateMax ?? 0.05),
    reorder: constraints.reorder === false ? fc.constant(false) : fc.boolean(),
  })
}
