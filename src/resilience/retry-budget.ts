/**
 * A retry budget shared by every retry policy of a node (gRPC's retry
 * throttling, A6): a bucket of tokens, `maxTokens` when full. Each failed
 * attempt takes one token, each success gives back `tokenRatio`; retries are
 * allowed only while more than half the tokens are left. When a dependency
 * fails for everyone, the bucket drains and each call runs once instead of
 * `maxAttempts` times: retries cannot multiply the load on it. Count-based,
 * so it needs no clock and replays exactly.
 *
 * States (derived from the token count):
 *   allowing    tokens > maxTokens / 2: retries go ahead.
 *   throttling  tokens ≤ maxTokens / 2: every retry is refused (the attempt
 *               that failed ends the call with RetriesExhaustedError, stop
 *               'budget') until successes refill it.
 */

/** `retryBudget({ maxTokens, tokenRatio })`; defaults are gRPC's example values. */
export interface RetryBudgetOptions {
  /** Tokens when full. Default 10. */
  maxTokens?: number
  /** Tokens a success returns (a fraction: 0.1 means ten successes pay for one failure). Default 0.1. */
  tokenRatio?: number
}

/** A node's shared retry allowance; pass the same one to several `retry({ budget })`. */
export class RetryBudget {
  readonly maxTokens: number
  readonly tokenRatio: number
  #tokens: number

  constructor(options: RetryBudgetOptions = {}) {
    this.maxTokens = options.maxTokens ?? 10
    this.tokenRatio = options.tokenRatio ?? 0.1
    if (!(Number.isFinite(this.maxTokens) && this.maxTokens > 0))
      throw new RangeError(`retryBudget.maxTokens must be > 0, got ${this.maxTokens}`)
    if (!(Number.isFinite(this.tokenRatio) && this.tokenRatio > 0))
      throw new RangeError(`retryBudget.tokenRatio must be > 0, got ${this.tokenRatio}`)
    this.#tokens = this.maxTokens
  }

  /** Tokens left. */
  get tokens(): number {
    return this.#tokens
  }

  /** 'allowing' or 'throttling' (see the table above). */
  get state(): 'allowing' | 'throttling' {
    return this.#tokens > this.maxTokens / 2 ? 'allowing' : 'throttling'
  }

  /** An attempt succeeded. */
  recordSuccess(): void {
    this.#tokens = Math.min(this.maxTokens, this.#tokens + this.tokenRatio)
  }

  /** An attempt failed with a retryable error. */
  recordFailure(): void {
    this.#tokens = Math.max(0, this.#tokens - 1)
  }

  /** Whether a retry may go ahead now. */
  allowsRetry(): boolean {
    return this.state === 'allowing'
  }
}

/** A fresh budget; share it between the policies of one node. */
export function retryBudget(options: RetryBudgetOptions = {}): RetryBudget {
  return new RetryBudget(options)
}
