/**
 * The environment a node runs in. Node logic takes time, timers and
 * randomness only from here, so the simulator and production run one code
 * path and differ only in the Env (and Transport and Store) they pass in.
 */

/** A pending timer; `cancel()` is idempotent. */
export interface Timer {
  cancel(): void
}

/** Wall or virtual time in milliseconds, and one-shot timers on that time. */
export interface Clock {
  /** Milliseconds since an arbitrary epoch; never goes backwards on one node. */
  now(): number
  /** Runs `fn` once, `ms` from now (0 means "after the current work"). */
  setTimer(ms: number, fn: () => void): Timer
}

/** A stream of random numbers. Seeded in the simulator, crypto-strong in production. */
export interface Random {
  /** A float in [0, 1). */
  next(): number
  /** `n` random bytes. */
  bytes(n: number): Uint8Array
  /**
   * An independent child stream named `label`. The child depends only on this
   * stream's seed and the label, never on how many values were drawn before,
   * so adding a node or a message does not reshuffle every other draw.
   */
  fork(label: string): Random
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error'

/** Structured logging: a message and plain fields. */
export interface Logger {
  log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void
  /** A logger whose lines carry `fields` too. */
  child(fields: Record<string, unknown>): Logger
}

/** Everything a node takes from the world besides its transport and store. */
export interface Env {
  clock: Clock
  random: Random
  log: Logger
}
