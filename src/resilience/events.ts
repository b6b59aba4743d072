/**
 * What the policies report, by event name: `policy(env).on(name, listener)`.
 * Listeners run synchronously at the moment of the transition, on the
 * policy's clock, so under the simulator they are part of the seed's trace.
 */
import type { CircuitState } from './breaker-table.ts'

/** A retryable attempt failed and the next one is scheduled. */
export interface RetryEvent {
  /** The attempt that failed (1 for the first). */
  attempt: number
  /** The wait before the next attempt, from the backoff schedule. */
  delayMs: number
  error: unknown
}

/** The breaker opened (tripped, a probe failed) or was isolated by hand. */
export interface BreakEvent {
  state: 'open' | 'isolated'
  /** What opened it: the consecutive threshold, the failure rate, a failed probe, or `isolate()`. */
  reason: 'consecutive' | 'rate' | 'probe' | 'isolate'
  /** How long it stays open before a probe; undefined while isolated. */
  openMs: number | undefined
  /** The failure that tripped it; undefined for `isolate()`, and for a rate reached on a success. */
  error: unknown
}

/** A breaker state change to half-open (probes allowed) or closed (reset). */
export interface StateEvent {
  state: CircuitState
  /** The state it left. */
  from: CircuitState
}

/** An attempt reached its per-attempt timeout and was aborted. */
export interface TimeoutEvent {
  timeoutMs: number
}

/** A call was refused without running: the breaker is not admitting it, or the bulkhead is full. */
export interface RejectEvent {
  by: 'breaker' | 'bulkhead'
  error: Error
}

/** A fallback in the chain is about to run. */
export interface FallbackEvent {
  /** Its position in the chain (0 for the first). */
  index: number
  /** The error that sent the call to this fallback. */
  error: unknown
}

/** Listener signatures per event name. */
export type PolicyEvents = {
  retry: (event: RetryEvent) => void
  break: (event: BreakEvent) => void
  halfOpen: (event: StateEvent) => void
  reset: (event: StateEvent) => void
  timeout: (event: TimeoutEvent) => void
  reject: (event: RejectEvent) => void
  fallback: (event: FallbackEvent) => void
}

/** Where a policy sends its events; the Emitter of src/events.ts fits, and so does a no-op. */
export interface PolicyEventSink {
  emit<K extends keyof PolicyEvents>(event: K, ...args: Parameters<PolicyEvents[K]>): void
}

/** A sink that drops everything: the default for a policy built alone. */
export const noEvents: PolicyEventSink = { emit() {} }
