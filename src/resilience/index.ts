/**
 * `isthmus/resilience`: retry, timeout, circuit breaker, bulkhead and
 * fallback on an injected clock and Random, so that a call wrapped in them
 * runs unchanged in production and under the simulator's virtual time, and a
 * failing seed replays exactly. Start with `policy(node.env)`.
 */

/** The backoff schedule retry uses (pure; also exported from src/env for the transport). */
export { type BackoffOptions, backoffCeilingMs, backoffDelayMs, type Jitter } from '../env/backoff.ts'
/** A sleep on an injected clock that an AbortSignal cuts short. */
export { neverAborted, sleep } from './abort.ts'
/** The circuit breaker on its own, and its state table. */
export { BREAKER_DEFAULTS, type BreakerOptions, type BreakerStats, CircuitBreaker } from './breaker.ts'
export {
  CIRCUIT_TRANSITIONS,
  type CircuitInput,
  type CircuitState,
  nextCircuitState,
} from './breaker-table.ts'
/** The bulkhead on its own. */
export { Bulkhead, type BulkheadOptions, type BulkheadState } from './bulkhead.ts'
/** Errors: a policy's verdict, told apart from the operation's own failure by class and `name`. */
export {
  AttemptTimeoutError,
  BulkheadFullError,
  CircuitOpenError,
  FallbackExhaustedError,
  RetriesExhaustedError,
  type RetryStop,
} from './errors.ts'
/** Events, by name, for `policy.on(name, listener)`; a sink is what a policy built alone reports to. */
export {
  type BreakEvent,
  type FallbackEvent,
  noEvents,
  type PolicyEventSink,
  type PolicyEvents,
  type RejectEvent,
  type RetryEvent,
  type StateEvent,
  type TimeoutEvent,
} from './events.ts'
/** The fallback chain on its own. */
export { type FallbackHandler, FallbackPolicy } from './fallback.ts'
/** What an operation receives, and the interface every policy implements. */
export type { AttemptContext, Operation, Policy } from './operation.ts'
/** The composed policy: `policy(env).timeout().retry().breaker().bulkhead().fallback()`, then `.execute(fn)`. */
export { type PolicyEnv, type PolicyParts, policy, ResiliencePolicy } from './policy.ts'
/** Retry: options, defaults and the policy on its own. */
export { RETRY_DEFAULTS, type RetryEnv, type RetryOptions, RetryPolicy } from './retry.ts'
/** A retry budget shared by a node's retry policies (gRPC-style throttling). */
export { RetryBudget, type RetryBudgetOptions, retryBudget } from './retry-budget.ts'
/** The per-attempt timeout on its own. */
export { type TimeoutOptions, TimeoutPolicy } from './timeout.ts'
