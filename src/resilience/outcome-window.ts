/**
 * The last `size` call outcomes, for a failure-rate breaker (resilience4j's
 * COUNT_BASED sliding window): a ring of booleans with running totals, so a
 * record is O(1) and the memory is fixed by `size`.
 */
export class OutcomeWindow {
  /** Outcomes kept. */
  readonly size: number
  readonly #failed: boolean[]
  #next = 0
  #count = 0
  #failures = 0

  constructor(size: number) {
    this.size = size
    this.#failed = new Array<boolean>(size).fill(false)
  }

  /** Outcomes held (at most `size`). */
  get count(): number {
    return this.#count
  }

  /** Failures among them. */
  get failures(): number {
    return this.#failures
  }

  /** Adds an outcome, dropping the oldest once full. */
  record(failed: boolean): void {
    if (this.#count === this.size) {
      if (this.#failed[this.#next]) this.#failures--
    } else this.#count++
    this.#failed[this.#next] = failed
    if (failed) this.#failures++
    this.#next = (this.#next + 1) % this.size
  }

  /** Forgets every outcome. */
  clear(): void {
    this.#next = 0
    this.#count = 0
    this.#failures = 0
  }
}
