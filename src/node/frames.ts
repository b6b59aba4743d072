/**
 * Every frame a node sends and receives: membership's heartbeat
 * (src/membership/heartbeat-frame.ts) and sync's frames (src/sync/wire.ts),
 * read from one byte stream by the type code of the shared envelope
 * (src/wire/envelope.ts). The node is where the two subsystems meet, so this
 * is the one place that knows both.
 */
import {
  encodeHeartbeatFrame,
  type HeartbeatFrame,
  readHeartbeatFields,
} from '../membership/heartbeat-frame.ts'
import { encodeSyncFrame, readSyncFields, type Frame as SyncFrames } from '../sync/wire.ts'
import { FRAME_TYPE_CODES, openEnvelope, WIRE_VERSION, WireDecodeError } from '../wire/envelope.ts'

export type { HeartbeatFrame }
export { WIRE_VERSION, WireDecodeError }

/** Any frame on the wire between two nodes. */
export type Frame = HeartbeatFrame | SyncFrames

/** Encodes any frame. Throws RangeError on a frame that breaks a bound (a programmer error). */
export function encodeFrame(frame: Frame): Uint8Array {
  return frame.type === 'heartbeat' ? encodeHeartbeatFrame(frame) : encodeSyncFrame(frame)
}

/** Decodes a frame from a peer; throws WireDecodeError on anything it cannot read. */
export function decodeFrame(bytes: Uint8Array): Frame {
  const { type, reader } = openEnvelope(bytes)
  const frame =
    type === FRAME_TYPE_CODES.heartbeat ? readHeartbeatFields(reader) : readSyncFields(reader, type)
  if (frame === undefined) throw new WireDecodeError(`unknown frame type ${type}`)
  reader.end()
  return frame
}
