/**
 * The allowlist: when the transport is given `allow`, a peer not on it cannot
 * hold a connection in either direction. Outbound dials to it are refused
 * before any socket opens; any connection is refused right after the Noise
 * handshake, the first point at which the remote's peer id is proven.
 */
import type { ConnectionGater, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** A gater admitting only `allowed` peer ids (strings); undefined allows everyone. */
export function allowlistGater(allowed: ReadonlySet<string> | undefined): ConnectionGater {
  if (allowed === undefined) return {}
  const deny = (peer: PeerId): boolean => !allowed.has(peer.toString())
  return {
    denyDialPeer: deny,
    denyDialMultiaddr: (address: Multiaddr) => {
      const peer = peerIdOfAddress(address)
      return peer !== undefined && !allowed.has(peer)
    },
    denyInboundEncryptedConnection: deny,
    denyOutboundEncryptedConnection: deny,
  }
}

/** The peer id in an address's last `/p2p/<id>` part, if it has one. */
export function peerIdOfAddress(address: Multiaddr): string | undefined {
  const parts = address.getComponents().filter((part) => part.name === 'p2p')
  return parts.at(-1)?.value
}
