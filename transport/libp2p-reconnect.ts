/**
 * Keeps the bootstrap peers connected: dial each at start, and again whenever
 * its connection drops or a dial fails, after an exponential backoff with
 * jitter. Timers and jitter come from the Env, so tests can drive the
 * schedule; the dial itself is real libp2p.
 *
 * States of one target (a bootstrap address):
 *   idle      connected, or given nothing to do; `peerDown` moves it to waiting.
 *   waiting   a timer is armed; when it fires the target is dialing.
 *   dialing   a dial is in flight; success resets the attempt count (idle),
 *             failure arms the next, longer timer (waiting).
 */
import { backoffDelayMs as sharedBackoffDelayMs } from '../src/env/backoff.ts'
import type { Clock, Logger, Random, Timer } from '../src/env/types.ts'

/** How long to wait between dials of a peer that is down. */
export interface ReconnectPolicy {
  /** The first wait, in ms. */
  baseMs: number
  /** The longest wait, in ms. */
  maxMs: number
}

/**
 * 250 ms first: a restarted peer is usually back within a second. 30 s at
 * most: a peer down longer is found within half a minute of its return,
 * while a dead one costs one failed dial per 15–30 s.
 */
export const DEFAULT_RECONNECT_POLICY: ReconnectPolicy = { baseMs: 250, maxMs: 30_000 }

/**
 * The wait before retry number `attempt` (0 for the first): the exponential
 * ceiling min(maxMs, baseMs * 2^attempt), half of it fixed and half drawn
 * from `random` ("equal jitter"). The fixed half keeps a flapping peer from
 * being redialed in a tight loop; the random half keeps nodes that lost the
 * same peer from redialing it in lockstep.
 */
export function backoffDelayMs(attempt: number, policy: ReconnectPolicy, random: Random): number {
  // The one schedule (src/env/backoff.ts), shared with retry policies and the member dialer.
  const schedule = { baseMs: policy.baseMs, maxMs: policy.maxMs, jitter: 'equal' } as const
  return sharedBackoffDelayMs(attempt, schedule, random)
}

interface Target {
  readonly address: string
  // Known from the address's /p2p part, or learnt from the first successful dial.
  peerId: string | undefined
  attempt: number
  timer: Timer | undefined
  dialing: boolean
}

export interface RedialerInit {
  clock: Clock
  random: Random
  log: Logger
  policy: ReconnectPolicy
  /** Dials `address` until the peer's frame stream is up; resolves with its id. */
  dial(address: string): Promise<string>
  /** Whether `peer` is connected now (then a redial is pointless). */
  isConnected(peer: string): boolean
}

/** Redials a fixed set of addresses whenever their peers are down. */
export class Redialer {
  readonly #init: RedialerInit
  readonly #targets: Target[] = []
  #stopped = false

  constructor(init: RedialerInit) {
    this.#init = init
  }

  /** Starts keeping `address` (whose peer id may be `peerId`) connected: dials it now. */
  keep(address: string, peerId: string | undefined): void {
    const target: Target = { address, peerId, attempt: 0, timer: undefined, dialing: false }
    this.#targets.push(target)
    this.#dialNow(target)
  }

  /** The connection to `peer` dropped: schedule a redial of every target that reaches it. */
  peerDown(peer: string): void {
    for (const target of this.#targets) {
      if (target.peerId === peer) this.#schedule(target)
    }
  }

  /** Cancels every timer; dials in flight finish but schedule nothing. */
  stop(): void {
    this.#stopped = true
    for (const target of this.#targets) {
      target.timer?.cancel()
      target.timer = undefined
    }
  }

  #schedule(target: Target): void {
    if (this.#stopped || target.timer !== undefined || target.dialing) return
    const delayMs = backoffDelayMs(target.attempt, this.#init.policy, this.#init.random)
    target.attempt++
    target.timer = this.#init.clock.setTimer(delayMs, () => {
      target.timer = undefined
      this.#dialNow(target)
    })
  }

  #dialNow(target: Target): void {
    if (this.#stopped || target.dialing) return
    if (target.peerId !== undefined && this.#init.isConnected(target.peerId)) {
      target.attempt = 0
      return
    }
    target.dialing = true
    this.#init.dial(target.address).then(
      (peer) => {
        target.dialing = false
        target.peerId = peer
        target.attempt = 0
        // The link may have dropped again while the dial was settling.
        if (!this.#init.isConnected(peer)) this.#schedule(target)
      },
      (error: unknown) => {
        target.dialing = false
        if (this.#stopped) return
        this.#init.log.log('debug', 'bootstrap dial failed', {
          address: target.address,
          attempt: target.attempt,
          error: error instanceof Error ? error.message : String(error),
        })
        this.#schedule(target)
      },
    )
  }
}
