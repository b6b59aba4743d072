/**
 * `isthmus node --peer ADDR`: the transport keeps redialing a bootstrap peer
 * it cannot reach, silently. This watch says so on stderr, one line, while
 * any --peer stays unreachable: first after a grace period (a dial takes a
 * moment), then again at a bounded rate, and once more when all are reached.
 */
import type { Clock, Timer } from '../src/env/types.ts'

/** How often the connection list is checked. */
const checkMs = 1000
/** Unreachable this long before the first line: a dial and handshake on a LAN take well under it. */
export const PEER_WARN_GRACE_MS = 3000
/** Between two lines about the same unreachable peers: a node down for hours writes one line per minute. */
export const PEER_WARN_REPEAT_MS = 60_000
/** Addresses named in one line; the rest are counted. */
const addressesPerLineMax = 3

export interface PeerWatchOptions {
  /** The --peer multiaddrs. */
  peers: readonly string[]
  /** Peer ids connected now (the transport's `connected()`). */
  connected(): string[]
  clock: Clock
  /** Writes one line (without its newline). */
  warn(line: string): void
}

/** The peer id a multiaddr ends with (`/p2p/<id>`), if any. */
function peerIdOf(address: string): string | undefined {
  return /\/p2p\/([^/]+)$/.exec(address)?.[1]
}

/**
 * Whether `address` is reached: its peer connected, or, for an address with
 * no `/p2p/<id>` (whose peer is unknown until a dial succeeds), any peer.
 */
function reached(address: string, connected: readonly string[]): boolean {
  const id = peerIdOf(address)
  return id === undefined ? connected.length > 0 : connected.includes(id)
}

/** The line for `unreachable` peers, silent for `forMs`. */
export function unreachableLine(unreachable: readonly string[], forMs: number): string {
  const named = unreachable.slice(0, addressesPerLineMax).join(', ')
  const more =
    unreachable.length > addressesPerLineMax ? ` and ${unreachable.length - addressesPerLineMax} more` : ''
  return `isthmus node: cannot reach --peer ${named}${more} (for ${Math.round(forMs / 1000)} s; still dialing)`
}

/** Starts watching; `stop()` cancels the timer. */
export function watchPeers(options: PeerWatchOptions): { stop(): void } {
  let timer: Timer | undefined
  let unreachableSinceMs: number | undefined
  let warnedAtMs: number | undefined
  const check = () => {
    const connected = options.connected()
    const unreachable = options.peers.filter((address) => !reached(address, connected))
    const nowMs = options.clock.now()
    if (unreachable.length === 0) {
      if (warnedAtMs !== undefined) options.warn('isthmus node: reached every --peer address')
      unreachableSinceMs = undefined
      warnedAtMs = undefined
    } else {
      unreachableSinceMs ??= nowMs
      const due =
        warnedAtMs === undefined ? unreachableSinceMs + PEER_WARN_GRACE_MS : warnedAtMs + PEER_WARN_REPEAT_MS
      if (nowMs >= due) {
        options.warn(unreachableLine(unreachable, nowMs - unreachableSinceMs))
        warnedAtMs = nowMs
      }
    }
    timer = options.clock.setTimer(checkMs, check)
  }
  if (options.peers.length > 0) timer = options.clock.setTimer(checkMs, check)
  return { stop: () => timer?.cancel() }
}
