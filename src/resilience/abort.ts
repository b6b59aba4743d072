/**
 * AbortSignal plumbing on the injected clock: a signal that never aborts
 * (shared, so a call without a caller signal allocates nothing), and a sleep
 * that an abort cuts short.
 */
import type { Clock } from '../env/types.ts'

/** A signal that never aborts: what an operation receives when nobody can cancel it. */
export const neverAborted: AbortSignal = new AbortController().signal

/**
 * Resolves after `ms` on `clock`; rejects with `signal.reason` as soon as
 * `signal` aborts (and cancels the timer, so nothing stays armed).
 */
export function sleep(clock: Clock, ms: number, signal: AbortSignal = neverAborted): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      timer.cancel()
      reject(signal.reason)
    }
    const timer = clock.setTimer(ms, () => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    })
    if (signal !== neverAborted) signal.addEventListener('abort', onAbort, { once: true })
  })
}

/** Calls `fn` and turns a synchronous throw into a rejection, so every policy sees one shape. */
export function invoke<T>(fn: () => T | PromiseLike<T>): Promise<T> {
  try {
    return Promise.resolve(fn())
  } catch (error) {
    return Promise.reject(error)
  }
}
