/**
 * `policy(env)`: the five policies composed around one call, on the node's
 * clock and Random. Whatever order the builder is called in, they nest in
 * this one (outermost first), chosen so that each sees what it should:
 *
 *   fallback   outermost: replaces any failure, a refusal by an inner policy included.
 *   bulkhead   one slot per logical call, held through its retries, so
 *              maxConcurrent bounds the load on the dependency; a refusal is
 *              neither retried nor counted by the breaker.
 *   retry      retries what the breaker and timeout let through; an open
 *              breaker's CircuitOpenError is not retried by default.
 *   breaker    counts every attempt (a timed-out one as a failure), and
 *              refuses attempts at once while open.
 *   timeout    innermost: per attempt, aborting the operation's signal.
 *
 * This is Polly's recommended order (fallback, retry, breaker, attempt
 * timeout) with the bulkhead outside the retry.
 */

import { silentLogger } from '../env/logger.ts'
import type { Env, Logger } from '../env/types.ts'
import { Emitter } from '../events.ts'
import { invoke, neverAborted } from './abort.ts'
import { type BreakerOptions, CircuitBreaker } from './breaker.ts'
import { Bulkhead, type BulkheadOptions } from './bulkhead.ts'
import type { PolicyEvents } from './events.ts'
import { type FallbackHandler, FallbackPolicy } from './fallback.ts'
import { type AttemptContext, firstAttempt, type Operation, type Policy } from './operation.ts'
import { type RetryOptions, RetryPolicy } from './retry.ts'
import { type TimeoutOptions, TimeoutPolicy } from './timeout.ts'

/** What a policy takes from the Env: the clock and Random; a Logger for listeners that throw (optional). */
export type PolicyEnv = Pick<Env, 'clock' | 'random'> & { log?: Logger }

/** The configured parts of a composed policy, each undefined until its builder method is called. */
export interface PolicyParts {
  timeout: TimeoutPolicy | undefined
  retry: RetryPolicy | undefined
  breaker: CircuitBreaker | undefined
  bulkhead: Bulkhead | undefined
  fallback: FallbackPolicy | undefined
}

type Runner = <T>(fn: Operation<T>, signal: AbortSignal, context: AttemptContext) => Promise<T>

/** Calls the operation itself: the innermost runner. */
const direct: Runner = (fn, signal, context) => invoke(() => fn(signal, context))

/** Wraps `inner` in `outer`: the operation `outer` sees is `inner` running the real one. */
function around(outer: Policy, inner: Runner): Runner {
  if (inner === direct) return (fn, signal, context) => outer.execute(fn, signal, context)
  return (fn, signal, context) => outer.execute((s, c) => inner(fn, s, c), signal, context)
}

/**
 * A composition of timeout, retry, breaker, bulkhead and fallback. Each
 * builder method sets (or replaces, with fresh state) one part and returns
 * the same object; `execute` runs a call through the parts that are set.
 * The object holds the breaker's and bulkhead's state: build one per
 * dependency and share it between the calls to that dependency.
 */
export class ResiliencePolicy implements Policy {
  readonly #env: PolicyEnv
  readonly #events: Emitter<PolicyEvents>
  readonly #parts: PolicyParts = {
    timeout: undefined,
    retry: undefined,
    breaker: undefined,
    bulkhead: undefined,
    fallback: undefined,
  }
  #runner: Runner | undefined

  constructor(env: PolicyEnv) {
    this.#env = env
    this.#events = new Emitter(env.log ?? silentLogger)
  }

  /** A per-attempt timeout: the operation's signal aborts, and the attempt fails with AttemptTimeoutError. */
  timeout(options: TimeoutOptions): this {
    return this.#set('timeout', new TimeoutPolicy(this.#env.clock, options, this.#events))
  }

  /** Retries with exponential backoff and jitter drawn from the env's Random. */
  retry(options: RetryOptions = {}): this {
    return this.#set('retry', new RetryPolicy(this.#env, options, this.#events))
  }

  /** A circuit breaker (consecutive failures and/or a failure rate over a count window). */
  breaker(options: BreakerOptions = {}): this {
    return this.#set('breaker', new CircuitBreaker(this.#env.clock, options, this.#events))
  }

  /** A concurrency limit with a bounded queue; BulkheadFullError past it. */
  bulkhead(options: BulkheadOptions): this {
    return this.#set('bulkhead', new Bulkhead(options, this.#events))
  }

  /** One fallback, or a chain tried in order; each gets the error before it. They must return what the call would. */
  fallback(handlers: FallbackHandler | readonly FallbackHandler[]): this {
    return this.#set('fallback', new FallbackPolicy(handlers, this.#events))
  }

  /** Listens to one kind of event; returns the function that stops listening. */
  on<K extends keyof PolicyEvents>(event: K, listener: PolicyEvents[K]): () => void {
    return this.#events.on(event, listener)
  }

  /** The configured parts, to read their state (`parts.bulkhead?.running`, ...). */
  get parts(): Readonly<PolicyParts> {
    return this.#parts
  }

  /** The circuit breaker, if one is set: its `state`, `stats`, `isolate()` and `reset()`. */
  get circuit(): CircuitBreaker | undefined {
    return this.#parts.breaker
  }

  /**
   * Runs `fn` through the policy. `fn` receives an AbortSignal that aborts on
   * the attempt's timeout, the retry deadline or the caller's `signal`, and
   * the attempt number.
   */
  execute<T>(fn: Operation<T>, signal: AbortSignal = neverAborted, context?: AttemptContext): Promise<T> {
    this.#runner ??= this.#compose()
    return this.#runner(fn, signal, context ?? firstAttempt)
  }

  #set<K extends keyof PolicyParts>(part: K, value: PolicyParts[K]): this {
    this.#parts[part] = value
    this.#runner = undefined
    return this
  }

  #compose(): Runner {
    let runner = direct
    const { timeout, breaker, retry, bulkhead, fallback } = this.#parts
    for (const part of [timeout, breaker, retry, bulkhead, fallback]) if (part) runner = around(part, runner)
    return runner
  }
}

/** Starts a policy on `env` (a node's `node.env`, or any Env): chain `.timeout()`, `.retry()`, ... then `.execute()`. */
export function policy(env: PolicyEnv): ResiliencePolicy {
  return new ResiliencePolicy(env)
}
