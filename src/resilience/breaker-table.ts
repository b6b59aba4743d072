/**
 * The circuit breaker's state machine as a table (STYLE.md habit 7): every
 * state, what each input moves it to, and nothing else. An input a state has
 * no row for is a programmer error in breaker.ts, not an operational fault.
 */

/** A breaker's state (names as cockatiel's CircuitState and Polly's, in camelCase). */
export type CircuitState = 'closed' | 'open' | 'halfOpen' | 'isolated'

/** What moves a breaker. */
export type CircuitInput =
  /** In closed: the consecutive-failure threshold or the failure rate was reached. */
  | 'trip'
  /** In open: the open time elapsed on the clock. */
  | 'openElapsed'
  /** In halfOpen: a probe failed. */
  | 'probeFailed'
  /** In halfOpen: `successThreshold` probes succeeded. */
  | 'probesSucceeded'
  /** `isolate()`: hold it open by hand. */
  | 'isolate'
  /** `reset()`: close it by hand, forgetting every count. */
  | 'reset'

/** The transition table. */
export const CIRCUIT_TRANSITIONS: Readonly<
  Record<CircuitState, Readonly<Partial<Record<CircuitInput, CircuitState>>>>
> = {
  // closed: calls run; each outcome feeds the consecutive-failure count and the count window.
  closed: { trip: 'open', isolate: 'isolated', reset: 'closed' },
  // open: calls are refused with CircuitOpenError until the open time (resetMs, backing off) elapses.
  open: { openElapsed: 'halfOpen', isolate: 'isolated', reset: 'closed' },
  // halfOpen: up to halfOpenMax probes run at once, the rest are refused; successThreshold
  // successes close the breaker, one failure opens it again for a longer time.
  halfOpen: { probeFailed: 'open', probesSucceeded: 'closed', isolate: 'isolated', reset: 'closed' },
  // isolated: held open by hand (maintenance, a known outage); only reset() leaves it.
  isolated: { isolate: 'isolated', reset: 'closed' },
}

/** The state `input` moves `state` to; throws (an assertion) when the table has no such row. */
export function nextCircuitState(state: CircuitState, input: CircuitInput): CircuitState {
  const next = CIRCUIT_TRANSITIONS[state][input]
  if (next === undefined) throw new Error(`circuit breaker: no transition from ${state} on ${input}`)
  return next
}
