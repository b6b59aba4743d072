/**
 * What the libp2p transport counts: frames and bytes each way, and every
 * frame it dropped, by reason. A plain object the node can copy into its
 * metrics; nothing here resets.
 */

/** Why a frame was dropped. */
export type DropReason =
  /** `send` to a peer with no open frame stream. */
  | 'notConnected'
  /** `send` while the peer's outbound queue was at its bound (the peer is not keeping up). */
  | 'queueFull'
  /** `send` of a frame over `frameBytesMax`: the peer would reject it anyway. */
  | 'oversizeOut'
  /** A peer announced a frame over `frameBytesMax`; its stream was reset. */
  | 'oversizeIn'
  /** A peer sent a length prefix that cannot be read; its stream was reset. */
  | 'malformedIn'

/** Counters since the transport was created (they survive a restart of the same transport). */
export interface Libp2pTransportStats {
  framesIn: number
  framesOut: number
  bytesIn: number
  bytesOut: number
  /** Frame streams reset because a peer broke the framing. */
  streamResets: number
  dropped: Record<DropReason, number>
}

/** All counters at zero. */
export function emptyStats(): Libp2pTransportStats {
  return {
    framesIn: 0,
    framesOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    streamResets: 0,
    dropped: { notConnected: 0, queueFull: 0, oversizeOut: 0, oversizeIn: 0, malformedIn: 0 },
  }
}

/** A deep copy, so a caller cannot change the live counters. */
export function copyStats(stats: Libp2pTransportStats): Libp2pTransportStats {
  return { ...stats, dropped: { ...stats.dropped } }
}
