/**
 * A concurrency bulkhead (cockatiel's bulkhead, resilience4j's
 * SemaphoreBulkhead with a queue): at most `maxConcurrent` calls run at once,
 * up to `maxQueue` more wait in arrival order, and any call past that is
 * refused at once with BulkheadFullError. It needs no clock: a slot frees
 * when a call settles.
 *
 * States of the bulkhead (derived from its two counts):
 *   accepting  running < maxConcurrent: a new call runs at once.
 *   queueing   every slot busy, queued < maxQueue: a new call waits.
 *   full       every slot busy and the queue full: a new call is refused.
 * States of one call:
 *   queued     waiting for a slot; the caller's abort removes it (rejected
 *              with the caller's reason).
 *   running    holds a slot until it settles, then hands the slot to the
 *              oldest queued call.
 *   refused    BulkheadFullError, never ran.                     (final)
 *   settled    resolved or rejected as the operation did.         (final)
 */
import { invoke, neverAborted } from './abort.ts'
import { BulkheadFullError } from './errors.ts'
import { noEvents, type PolicyEventSink } from './events.ts'
import { type AttemptContext, firstAttempt, type Operation, type Policy } from './operation.ts'

/** `bulkhead({ maxConcurrent, maxQueue })`. */
export interface BulkheadOptions {
  /** Calls running at once. */
  maxConcurrent: number
  /** Calls waiting for a slot. Default 0: refuse whatever cannot run now. */
  maxQueue?: number
}

/** The bulkhead's state, derived from its counts (see the table above). */
export type BulkheadState = 'accepting' | 'queueing' | 'full'

interface Waiter {
  start(): void
  signal: AbortSignal
  onAbort: () => void
}

/** Bounds how many calls run, and wait, at once. */
export class Bulkhead implements Policy {
  readonly maxConcurrent: number
  readonly maxQueue: number
  readonly #events: PolicyEventSink
  #running = 0
  /** FIFO; its length is bounded by maxQueue. */
  readonly #queue: Waiter[] = []

  constructor(options: BulkheadOptions, events: PolicyEventSink = noEvents) {
    this.maxConcurrent = options.maxConcurrent
    this.maxQueue = options.maxQueue ?? 0
    if (!(Number.isInteger(this.maxConcurrent) && this.maxConcurrent >= 1))
      throw new RangeError(`bulkhead.maxConcurrent must be an integer ≥ 1, got ${this.maxConcurrent}`)
    if (!(Number.isInteger(this.maxQueue) && this.maxQueue >= 0))
      throw new RangeError(`bulkhead.maxQueue must be an integer ≥ 0, got ${this.maxQueue}`)
    this.#events = events
  }

  /** Calls running now. */
  get running(): number {
    return this.#running
  }

  /** Calls waiting for a slot now. */
  get queued(): number {
    return this.#queue.length
  }

  /** 'accepting', 'queueing' or 'full'. */
  get state(): BulkheadState {
    if (this.#running < this.maxConcurrent) return 'accepting'
    return this.#queue.length < this.maxQueue ? 'queueing' : 'full'
  }

  execute<T>(
    fn: Operation<T>,
    signal: AbortSignal = neverAborted,
    context: AttemptContext = firstAttempt,
  ): Promise<T> {
    if (signal.aborted) return Promise.reject(signal.reason)
    switch (this.state) {
      case 'accepting':
        return this.#run(fn, signal, context)
      case 'queueing':
        return this.#enqueue(fn, signal, context)
      case 'full': {
        const error = new BulkheadFullError(this.maxConcurrent, this.maxQueue)
        this.#events.emit('reject', { by: 'bulkhead', error })
        return Promise.reject(error)
      }
    }
  }

  #run<T>(fn: Operation<T>, signal: AbortSignal, context: AttemptContext): Promise<T> {
    this.#running++
    const release = (): void => {
      this.#running--
      this.#queue.shift()?.start()
    }
    const result = invoke(() => fn(signal, context))
    result.then(release, release)
    return result
  }

  #enqueue<T>(fn: Operation<T>, signal: AbortSignal, context: AttemptContext): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter = {
        signal,
        start: () => {
          signal.removeEventListener('abort', waiter.onAbort)
          this.#run(fn, signal, context).then(resolve, reject)
        },
        onAbort: () => {
          const at = this.#queue.indexOf(waiter)
          if (at >= 0) this.#queue.splice(at, 1)
          reject(signal.reason)
        },
      }
      this.#queue.push(waiter)
      if (signal !== neverAborted) signal.addEventListener('abort', waiter.onAbort, { once: true })
    })
  }
}
