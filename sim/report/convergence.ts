/**
 * When a run converged: one definition for `isthmus sim`'s summary and the
 * HTML report, so they print the same number.
 *
 * A run converged at the virtual time of the liveness check at which every
 * quiescence invariant first held (replicas byte-equal, vectors equal, views
 * healed): the verdict's `figures.virtualMs` when `figures.converged`. The
 * divergence samples a report draws are taken on their own schedule and only
 * approximate that instant, so they are drawn, not used for the number.
 */

/** The verdict figures the definition reads (runScenario's, or a verdict record's). */
export interface ConvergenceFigures {
  readonly converged?: unknown
  readonly virtualMs?: unknown
}

/** The convergence time in virtual ms, or undefined when the run did not converge or has no verdict. */
export function convergedAtMs(figures: ConvergenceFigures | undefined): number | undefined {
  if (figures?.converged !== true || typeof figures.virtualMs !== 'number') return undefined
  return figures.virtualMs
}
