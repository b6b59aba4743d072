/**
 * Connects to members the node knows of but is not connected to, at the
 * addresses gossiped in heartbeats. This is what turns "joined through one
 * member" into a full mesh. Failed dials back off exponentially with jitter
 * (from the injected Random), so a dead member costs one dial per
 * DIAL_BACKOFF_MS_MAX, not one per heartbeat.
 */
import type { Transport } from '../../transport/transport.ts'
import { backoffDelayMs } from '../env/backoff.ts'
import type { Env } from '../env/types.ts'
import type { KnownMember } from './membership.ts'

/** First retry after a failed dial. */
export const DIAL_BACKOFF_MS_MIN = 500
/** Longest wait between dials of one member. */
export const DIAL_BACKOFF_MS_MAX = 30_000
/** Dials in flight at once: a node that learns of 50 members must not open 50 handshakes in one tick. */
export const DIALS_IN_FLIGHT_MAX = 8

interface DialState {
  nextAtMs: number
  /** Failed dials in a row: the attempt number of the shared backoff schedule (src/env/backoff.ts). */
  failures: number
  inFlight: boolean
  /** Which of the member's addresses to try next: rotate through them. */
  addressIndex: number
}

export class MemberDialer {
  readonly #env: Env
  readonly #transport: Pick<Transport, 'dial' | 'connected'>
  readonly #states = new Map<string, DialState>()
  #inFlight = 0

  constructor(env: Env, transport: Pick<Transport, 'dial' | 'connected'>) {
    this.#env = env
    this.#transport = transport
  }

  /** Dials the members that are due; call on every heartbeat tick. */
  tick(members: KnownMember[]): void {
    const connected = new Set(this.#transport.connected())
    const now = this.#env.clock.now()
    for (const member of members) {
      if (connected.has(member.id)) {
        this.#states.delete(member.id)
        continue
      }
      if (member.addresses.length === 0 || this.#inFlight >= DIALS_IN_FLIGHT_MAX) continue
      const state = this.#state(member.id, now)
      if (state.inFlight || now < state.nextAtMs) continue
      this.#dial(member, state)
    }
  }

  #state(id: string, now: number): DialState {
    let state = this.#states.get(id)
    if (!state) {
      state = { nextAtMs: now, failures: 0, inFlight: false, addressIndex: 0 }
      this.#states.set(id, state)
    }
    return state
  }

  #dial(member: KnownMember, state: DialState): void {
    const address = member.addresses[state.addressIndex % member.addresses.length] as string
    state.addressIndex++
    state.inFlight = true
    this.#inFlight++
    this.#transport.dial(address).then(
      () => this.#settle(state, true),
      (error: unknown) => {
        this.#env.log.log('debug', 'dial failed', { member: member.id, address, error: String(error) })
        this.#settle(state, false)
      },
    )
  }

  #settle(state: DialState, ok: boolean): void {
    state.inFlight = false
    this.#inFlight--
    if (ok) {
      state.failures = 0
      return
    }
    // 'equal' jitter, half fixed and half random: members that failed together do not retry together.
    const schedule = { baseMs: DIAL_BACKOFF_MS_MIN, maxMs: DIAL_BACKOFF_MS_MAX, jitter: 'equal' } as const
    const waitMs = backoffDelayMs(state.failures, schedule, this.#env.random)
    state.nextAtMs = this.#env.clock.now() + waitMs
    state.failures++
  }
}
