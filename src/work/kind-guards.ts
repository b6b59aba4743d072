/**
 * Resilience per handler kind (DESIGN §3 TaskHandler options, §4 "Resilience
 * around handlers"): one `policy(env)` per kind with the kind's circuit
 * breaker and bulkhead, shared by every run of that kind on this node. The
 * breaker's transitions feed the node's degradation ('breaker open: <kind>').
 *
 * The per-attempt timeout and the retry stay in the runner's attempt loop
 * (run-loop.ts), on the same backoff schedule the retry policy uses
 * (env/backoff.ts): every attempt's failure must reach the board as an
 * `attemptFailed` event, and a resumed run continues the attempt count of
 * the runs before it, which a RetryPolicy wrapped around one run cannot do.
 *
 * Where each part sits:
 *   bulkhead  around a whole run (a slot held through its retries, as in
 *             policy.ts); the runner claims only while the bulkhead takes
 *             another run, so a task never meets BulkheadFullError: it waits,
 *             pending or claimed, until a slot frees.
 *   breaker   around each attempt; while it refuses, the run waits for the
 *             half-open probe (no attempt spent), or runs the fallback kind.
 *             A run the breaker refuses while half-open (its halfOpenMax
 *             probes are out) waits on the node's clock for the breaker's
 *             next change of state (`whenChanged`), never tries again at once.
 */
import type { Clock, Env } from '../env/types.ts'
import { CircuitBreaker } from '../resilience/breaker.ts'
import type { CircuitState } from '../resilience/breaker-table.ts'
import { Bulkhead } from '../resilience/bulkhead.ts'
import { policy, type ResiliencePolicy } from '../resilience/policy.ts'
import type { TaskHandler } from './types.ts'

/** Where breaker changes go: the node's DegradationState (src/node/degradation.ts) has this shape. */
export interface DegradationSink {
  breaker(kind: string, open: boolean): void
  handlerKinds(kinds: readonly string[]): void
}

/** One kind's shared breaker and bulkhead. */
export class KindGuard {
  readonly kind: string
  readonly policy: ResiliencePolicy
  /** Claims of this kind being written here: they will take a bulkhead place. */
  claiming = 0
  readonly #clock: Clock

  constructor(kind: string, handler: TaskHandler, env: Env, degradation: DegradationSink | undefined) {
    this.kind = kind
    this.#clock = env.clock
    this.policy = policy(env)
    if (handler.breaker !== undefined) this.policy.breaker(handler.breaker)
    if (handler.bulkhead !== undefined) this.policy.bulkhead(bulkheadOptions(handler.bulkhead))
    if (degradation !== undefined) {
      this.policy.on('break', () => degradation.breaker(kind, true))
      this.policy.on('reset', () => degradation.breaker(kind, false))
    }
  }

  /** The breaker's state ('closed' without a breaker). */
  get breakerState(): CircuitState {
    return this.policy.circuit?.state ?? 'closed'
  }

  /** Whether the breaker would refuse an attempt now; `retryAtMs` says when it probes (if known). */
  refusing(nowMs: number): { refused: boolean; retryAtMs: number | undefined } {
    const circuit = this.policy.circuit
    if (circuit === undefined || circuit.state === 'closed') return { refused: false, retryAtMs: undefined }
    const until = circuit.stats.openUntilMs
    if (circuit.state === 'open' && until !== undefined && nowMs >= until)
      return { refused: false, retryAtMs: undefined }
    return { refused: circuit.state !== 'halfOpen', retryAtMs: until }
  }

  /**
   * Resolves at the breaker's next change of state (it opened, turned
   * half-open or closed) or after `maxMs` on the node's clock, whichever
   * comes first; rejects with the signal's reason if it aborts first. The
   * timer bounds the wait when no change comes: a probe whose run was
   * stopped from outside leaves the breaker half-open without an event.
   */
  whenChanged(maxMs: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(signal.reason)
    return new Promise((resolve, reject) => {
      let open = true
      const offs: Array<() => void> = []
      const end = (settle: () => void): void => {
        if (!open) return
        open = false
        timer.cancel()
        for (const off of offs) off()
        signal.removeEventListener('abort', onAbort)
        settle()
      }
      const onAbort = (): void => end(() => reject(signal.reason))
      const timer = this.#clock.setTimer(maxMs, () => end(resolve))
      for (const event of ['break', 'halfOpen', 'reset'] as const)
        offs.push(this.policy.on(event, () => end(resolve)))
      signal.addEventListener('abort', onAbort, { once: true })
    })
  }

  /** Whether the bulkhead takes one more run (running + queued + claims in flight below its bound). */
  hasCapacity(): boolean {
    const bulkhead = this.policy.parts.bulkhead
    if (bulkhead === undefined) return true
    return bulkhead.running + bulkhead.queued + this.claiming < bulkhead.maxConcurrent + bulkhead.maxQueue
  }

  /** Runs `fn` holding a bulkhead slot (waiting in its queue if need be). */
  withSlot<T>(fn: () => Promise<T>, signal: AbortSignal): Promise<T> {
    const bulkhead = this.policy.parts.bulkhead
    return bulkhead === undefined ? fn() : bulkhead.execute(() => fn(), signal)
  }

  /** Runs one attempt through the breaker (it counts the outcome, and refuses while open). */
  throughBreaker<T>(fn: () => Promise<T>, signal: AbortSignal): Promise<T> {
    const circuit = this.policy.circuit
    return circuit === undefined ? fn() : circuit.execute(() => fn(), signal)
  }
}

/** Every kind's guard on this node, made once from the handlers. */
export class KindGuards {
  readonly #guards = new Map<string, KindGuard>()

  constructor(env: Env, handlers: Readonly<Record<string, TaskHandler>>, degradation?: DegradationSink) {
    for (const [kind, handler] of Object.entries(handlers))
      this.#guards.set(kind, new KindGuard(kind, handler, env, degradation))
    degradation?.handlerKinds(Object.keys(handlers))
  }

  /** The guard of a kind with a handler here (undefined for any other kind). */
  get(kind: string): KindGuard | undefined {
    return this.#guards.get(kind)
  }

  /** Breaker state per kind, for metrics. */
  breakerStates(): Record<string, CircuitState> {
    return Object.fromEntries([...this.#guards].map(([kind, g]) => [kind, g.breakerState]))
  }
}

/**
 * What is wrong with one handler's resilience options, for createNode's
 * validation (src/node/options.ts): each part is built once, as the node
 * will, and its RangeError reported.
 */
export function handlerOptionProblems(kind: string, handler: TaskHandler): string[] {
  const problems: string[] = []
  const tryPart = (name: string, build: () => unknown): void => {
    try {
      build()
    } catch (error) {
      problems.push(`handlers.${kind}.${name}: ${error instanceof Error ? error.message : String(error)}`)
    }
  }
  if (handler.breaker !== undefined)
    tryPart('breaker', () => new CircuitBreaker(unusedClock, handler.breaker))
  if (handler.bulkhead !== undefined)
    tryPart('bulkhead', () => new Bulkhead(bulkheadOptions(handler.bulkhead ?? {})))
  if (handler.fallback !== undefined && (typeof handler.fallback !== 'string' || handler.fallback === kind))
    problems.push(`handlers.${kind}.fallback must name another kind`)
  if (handler.timeoutMs !== undefined && !(Number.isFinite(handler.timeoutMs) && handler.timeoutMs > 0))
    problems.push(`handlers.${kind}.timeoutMs must be a positive number`)
  return problems
}

/** Runs of one kind at once when a handler's bulkhead names no maxConcurrent. */
export const BULKHEAD_MAX_CONCURRENT_DEFAULT = 10

function bulkheadOptions(options: NonNullable<TaskHandler['bulkhead']>): {
  maxConcurrent: number
  maxQueue?: number
} {
  const out: { maxConcurrent: number; maxQueue?: number } = {
    maxConcurrent: options.maxConcurrent ?? BULKHEAD_MAX_CONCURRENT_DEFAULT,
  }
  if (options.maxQueue !== undefined) out.maxQueue = options.maxQueue
  return out
}

/** Validation builds the parts without running them: a breaker reads its clock only once it opens. */
const unusedClock: Clock = {
  now: () => {
    throw new Error('validation never reads the clock')
  },
  setTimer: () => {
    throw new Error('validation never sets a timer')
  },
}
