import { randomBytes } from 'node:crypto'
import { stderrLogger } from './logger.ts'
import type { Clock, Env, Logger, Random } from './types.ts'

/**
 * The real clock: the only place in node logic that reads the wall clock and
 * arms real timers. Timers are unref'd so a forgotten one never keeps the
 * process alive; a node's lifecycle (start/stop) owns liveness.
 */
export function systemClock(): Clock {
  return {
    now: () => Date.now(),
    setTimer(ms, fn) {
      const handle = setTimeout(fn, Math.max(0, ms))
      handle.unref?.()
      return { cancel: () => clearTimeout(handle) }
    },
  }
}

/** Crypto-strong randomness; a fork is crypto-strong too (labels only matter when seeded). */
export function systemRandom(): Random {
  return {
    next: () => randomBytes(4).readUInt32LE(0) / 0x1_0000_0000,
    bytes: (n) => new Uint8Array(randomBytes(n)),
    fork: () => systemRandom(),
  }
}

/** The Env for production: the real clock, crypto randomness, logs to stderr. */
export function systemEnv(options: { log?: Logger } = {}): Env {
  return { clock: systemClock(), random: systemRandom(), log: options.log ?? stderrLogger() }
}
