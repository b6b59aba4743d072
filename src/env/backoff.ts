/**
 * The one exponential-backoff-with-jitter schedule: a pure function from an
 * attempt number, options and a Random to a wait in ms. Retry policies
 * (src/resilience), the member dialer and the libp2p redialer all use it, so
 * there is one schedule to reason about. It lives in src/env because
 * transport/ may import only src/env.
 *
 * The jitter modes are the ones in AWS's "Exponential Backoff and Jitter":
 *   none          the ceiling min(maxMs, baseMs·2^attempt) itself.
 *   full          uniform in [0, ceiling): spreads a herd best, may retry at once.
 *   equal         half the ceiling fixed, half uniform: never a tight loop.
 *   decorrelated  uniform in [baseMs, 3·previous), capped at maxMs: each wait
 *                 depends on the last one, not on the attempt number.
 */
import type { Random } from './types.ts'

/** How the wait is randomized around the exponential ceiling. */
export type Jitter = 'none' | 'full' | 'equal' | 'decorrelated'

/** The schedule's parameters. */
export interface BackoffOptions {
  /** The ceiling of the first wait (attempt 0), in ms. */
  baseMs: number
  /** The largest wait, in ms. */
  maxMs: number
  /** Default 'full'. */
  jitter?: Jitter
}

/** Doublings past this cannot raise the wait for any sane policy, and 2 ** attempt stays finite. */
const doublingsMax = 30

/** Growth of a decorrelated wait over the previous one (AWS's formula uses 3). */
const decorrelatedGrowth = 3

/** min(maxMs, baseMs·2^attempt): the wait before retry number `attempt` (0 for the first) without jitter. */
export function backoffCeilingMs(attempt: number, options: BackoffOptions): number {
  const doublings = Math.min(Math.max(0, attempt), doublingsMax)
  return Math.min(options.maxMs, options.baseMs * 2 ** doublings)
}

/**
 * The wait before retry number `attempt` (0 for the first). Draws at most one
 * number from `random` (none for 'none'), so callers sharing a stream stay
 * reproducible. `previousMs` is the wait returned for the previous attempt;
 * only 'decorrelated' reads it (it defaults to `baseMs`).
 */
export function backoffDelayMs(
  attempt: number,
  options: BackoffOptions,
  random: Random,
  previousMs?: number,
): number {
  switch (options.jitter ?? 'full') {
    case 'none':
      return backoffCeilingMs(attempt, options)
    case 'full':
      return random.next() * backoffCeilingMs(attempt, options)
    case 'equal': {
      const ceilingMs = backoffCeilingMs(attempt, options)
      return ceilingMs / 2 + (random.next() * ceilingMs) / 2
    }
    case 'decorrelated': {
      const lowMs = Math.min(options.baseMs, options.maxMs)
      const highMs = Math.max(lowMs, decorrelatedGrowth * (previousMs ?? options.baseMs))
      return Math.min(options.maxMs, lowMs + random.next() * (highMs - lowMs))
    }
  }
}
