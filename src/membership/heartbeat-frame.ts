/**
 * Membership's frame: the heartbeat, in the shared envelope of
 * src/wire/envelope.ts (type code `heartbeat`). Paired encode/decode; the
 * decoder rejects what it cannot read with WireDecodeError.
 */
import * as encoding from 'lib0/encoding'
import {
  encodeEnvelope,
  FRAME_TYPE_CODES,
  type FrameReader,
  NAME_BYTES_MAX,
  openEnvelope,
  WireDecodeError,
  writeString,
} from '../wire/envelope.ts'

/** Members named in one heartbeat: full-mesh heartbeats are meant for clusters up to ~50 nodes. */
export const MEMBERS_MAX = 1024
/** Addresses gossiped per member: a host has a few (IPv4, IPv6, loopback), not hundreds. */
export const ADDRESSES_PER_MEMBER_MAX = 8

/** What a node currently believes about a peer, as gossiped in heartbeats. */
export type Reachability = 'alive' | 'suspect' | 'dead'
const reachabilityCodes: Reachability[] = ['alive', 'suspect', 'dead']

export interface HeartbeatFrame {
  type: 'heartbeat'
  /** Per-sender counter; a duplicate or stale heartbeat is recognizable. */
  seq: number
  /** Hash of the sender's per-document version vectors: equal digests mean nothing to pull. */
  digest: number
  /**
   * Hash of the sender's per-document content summaries (Yjs state vector and
   * delete set, Automerge heads): what anti-entropy compares, since a
   * divergence the dots miss leaves the vectors digest equal.
   */
  contentDigest: number
  /**
   * Every member the sender knows of, with the addresses it can be dialed at
   * (the sender's own first), so a node that joined through one member finds
   * and connects to all the others.
   */
  members: Array<{ id: string; addresses: string[] }>
  /** The sender's view of each peer it monitors. */
  reach: Array<{ peer: string; status: Reachability }>
}

export function encodeHeartbeatFrame(frame: HeartbeatFrame): Uint8Array {
  return encodeEnvelope('heartbeat', (e) => {
    encoding.writeVarUint(e, frame.seq)
    encoding.writeUint32(e, frame.digest >>> 0)
    encoding.writeUint32(e, frame.contentDigest >>> 0)
    encoding.writeVarUint(e, frame.members.length)
    for (const m of frame.members) {
      writeString(e, m.id)
      encoding.writeVarUint(e, m.addresses.length)
      for (const a of m.addresses) writeString(e, a)
    }
    encoding.writeVarUint(e, frame.reach.length)
    for (const { peer, status } of frame.reach) {
      writeString(e, peer)
      encoding.writeUint8(e, reachabilityCodes.indexOf(status))
    }
  })
}

/** A whole heartbeat frame; throws WireDecodeError on anything else. */
export function decodeHeartbeatFrame(bytes: Uint8Array): HeartbeatFrame {
  const { type, reader } = openEnvelope(bytes)
  if (type !== FRAME_TYPE_CODES.heartbeat) throw new WireDecodeError(`frame type ${type} is not a heartbeat`)
  const frame = readHeartbeatFields(reader)
  reader.end()
  return frame
}

/** A heartbeat's fields, after the envelope. */
export function readHeartbeatFields(r: FrameReader): HeartbeatFrame {
  const seq = r.varUint()
  const digest = r.u32()
  const contentDigest = r.u32()
  const memberCount = r.varUint(MEMBERS_MAX)
  const members: HeartbeatFrame['members'] = []
  for (let i = 0; i < memberCount; i++) {
    const id = r.string(NAME_BYTES_MAX)
    const addressCount = r.varUint(ADDRESSES_PER_MEMBER_MAX)
    const addresses: string[] = []
    for (let j = 0; j < addressCount; j++) addresses.push(r.string(NAME_BYTES_MAX))
    members.push({ id, addresses })
  }
  const reachCount = r.varUint(MEMBERS_MAX)
  const reach: HeartbeatFrame['reach'] = []
  for (let i = 0; i < reachCount; i++) {
    const peer = r.string(NAME_BYTES_MAX)
    const status = reachabilityCodes[r.u8()]
    if (status === undefined) throw new WireDecodeError('unknown reachability status')
    reach.push({ peer, status })
  }
  return { type: 'heartbeat', seq, digest, contentDigest, members, reach }
}
