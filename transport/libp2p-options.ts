/**
 * The options of `libp2pTransport`, checked once when the transport is made:
 * every problem is listed in one TransportOptionsError, so a bad CLI flag or
 * config file is reported whole rather than one mistake per restart.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { TransportOptionsError } from './libp2p-errors.ts'
import { FRAME_BYTES_LIMIT } from './libp2p-framing.ts'
import { peerIdOfAddress } from './libp2p-gater.ts'
import { DEFAULT_RECONNECT_POLICY, type ReconnectPolicy } from './libp2p-reconnect.ts'

/** What `libp2pTransport` takes. */
export interface Libp2pTransportOptions {
  /** Multiaddrs to listen on, e.g. `/ip4/127.0.0.1/tcp/0` (port 0: any free port). */
  listen: string[]
  /** Multiaddrs (best with `/p2p/<id>`) dialed at start and redialed whenever their connection drops. */
  bootstrap?: string[]
  /** Peer ids allowed to connect, in either direction. Absent: anyone may. */
  allow?: string[]
  /** Largest frame sent or accepted, in bytes (default 32 MiB, the node's own wire bound). */
  frameBytesMax?: number
  /** Redial backoff for bootstrap peers (default 250 ms doubling to 30 s, with jitter). */
  reconnect?: Partial<ReconnectPolicy>
  /** Find peers on the local network by multicast DNS and dial them (default false). */
  mdns?: boolean
}

/**
 * The default frame bound: 32 MiB, equal to the node's FRAME_BYTES_MAX
 * (src/wire/envelope.ts, which transport/ may not import), so the transport never
 * refuses a frame the node would accept.
 */
export const DEFAULT_FRAME_BYTES_MAX = 32 * 1024 * 1024

/** Bootstrap addresses kept at once: each costs a timer and a redial loop. */
export const BOOTSTRAP_ADDRESSES_MAX = 1024

/** Options after validation, with defaults filled in. */
export interface ResolvedOptions {
  listen: string[]
  bootstrap: Array<{ address: string; peerId: string | undefined }>
  allow: ReadonlySet<string> | undefined
  frameBytesMax: number
  reconnect: ReconnectPolicy
  mdns: boolean
}

/** Checks `options`; throws TransportOptionsError listing every problem. */
export function resolveOptions(options: Libp2pTransportOptions): ResolvedOptions {
  const problems: string[] = []
  const listen = checkAddresses('listen', options.listen, problems)
  if (Array.isArray(options.listen) && options.listen.length === 0)
    problems.push('listen: give at least one multiaddr')
  const bootstrap = checkAddresses('bootstrap', options.bootstrap ?? [], problems)
  if (bootstrap.length > BOOTSTRAP_ADDRESSES_MAX)
    problems.push(`bootstrap: at most ${BOOTSTRAP_ADDRESSES_MAX} addresses`)
  const allow = options.allow === undefined ? undefined : checkPeerIds(options.allow, problems)
  const frameBytesMax = options.frameBytesMax ?? DEFAULT_FRAME_BYTES_MAX
  if (!Number.isSafeInteger(frameBytesMax) || frameBytesMax < 1 || frameBytesMax > FRAME_BYTES_LIMIT) {
    problems.push(
      `frameBytesMax: an integer from 1 to ${FRAME_BYTES_LIMIT}, got ${String(options.frameBytesMax)}`,
    )
  }
  const reconnect = { ...DEFAULT_RECONNECT_POLICY, ...options.reconnect }
  if (!(Number.isFinite(reconnect.baseMs) && reconnect.baseMs > 0))
    problems.push('reconnect.baseMs: a positive number')
  if (!(Number.isFinite(reconnect.maxMs) && reconnect.maxMs >= reconnect.baseMs)) {
    problems.push('reconnect.maxMs: a number no smaller than baseMs')
  }
  if (options.mdns !== undefined && typeof options.mdns !== 'boolean') problems.push('mdns: true or false')
  if (problems.length > 0) throw new TransportOptionsError(problems)
  return {
    listen: listen.map((address) => address.toString()),
    bootstrap: bootstrap.map((address) => ({
      address: address.toString(),
      peerId: peerIdOfAddress(address),
    })),
    allow,
    frameBytesMax,
    reconnect,
    mdns: options.mdns ?? false,
  }
}

function checkAddresses(field: string, value: unknown, problems: string[]): Multiaddr[] {
  if (!Array.isArray(value)) {
    problems.push(`${field}: an array of multiaddr strings`)
    return []
  }
  const parsed: Multiaddr[] = []
  value.forEach((entry: unknown, index) => {
    try {
      if (typeof entry !== 'string') throw new TypeError('not a string')
      parsed.push(multiaddr(entry))
    } catch {
      problems.push(`${field}[${index}]: not a multiaddr: ${JSON.stringify(entry)}`)
    }
  })
  return parsed
}

function checkPeerIds(value: unknown, problems: string[]): Set<string> {
  if (!Array.isArray(value)) {
    problems.push('allow: an array of peer ids')
    return new Set()
  }
  const ids = new Set<string>()
  value.forEach((entry: unknown, index) => {
    try {
      if (typeof entry !== 'string') throw new TypeError('not a string')
      // Normalized through the parser, so the gater's string comparison is exact.
      ids.add(peerIdFromString(entry).toString())
    } catch {
      problems.push(`allow[${index}]: not a peer id: ${JSON.stringify(entry)}`)
    }
  })
  return ids
}
