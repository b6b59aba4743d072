/**
 * The shape every policy wraps: an operation that receives an AbortSignal
 * (aborted on timeout, deadline or caller cancellation) and which attempt
 * this is, and returns a value or a promise of one.
 */

/** What an operation learns about its run. */
export interface AttemptContext {
  /** 1 for the first attempt; a retry policy counts up from there. */
  readonly attempt: number
}

/** A call a policy runs. It should stop its work when `signal` aborts. */
export type Operation<T> = (signal: AbortSignal, context: AttemptContext) => T | PromiseLike<T>

/** The context of a call that no retry policy counts: always attempt 1. */
export const firstAttempt: AttemptContext = Object.freeze({ attempt: 1 })

/** A policy: runs an operation under its rules. Every policy and their composition share this. */
export interface Policy {
  execute<T>(fn: Operation<T>, signal?: AbortSignal, context?: AttemptContext): Promise<T>
}
