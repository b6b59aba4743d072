/**
 * The wire format of the Yjs sync conversation (see yjs-sync.ts) and of a
 * saved session. Every frame starts with a version byte and a type byte; a
 * decoder rejects any version, type or length it does not know, and trailing
 * bytes, with a CrdtDecodeError instead of guessing.
 *
 *   message: [version][type: 1 request | 2 update][varUint len][state vector][varUint len][update, empty = none]
 *   saved:   [version][type: 3 saved][varUint len][state vector]
 *
 * A state vector is in Yjs's own v1 layout (what `Y.encodeStateVector` writes):
 * varUint count, then count pairs of varUint client id and varUint clock.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { CrdtDecodeError, decodeFailure } from './errors.ts'

/** The format version this code writes and the only one it reads. */
export const YJS_SYNC_VERSION = 1

const TYPE_REQUEST = 1
const TYPE_UPDATE = 2
const TYPE_SAVED = 3

/** Yjs client id -> the next clock of that client the holder has not seen. */
export type StateVector = Map<number, number>

/** One frame of the Yjs sync conversation. */
export interface YjsSyncMessage {
  /**
   * `request`: "this is what I hold; reply with your diff against it". The
   * receiver owes exactly one `update` reply, even if the vectors look equal,
   * because deletions do not show in state vectors.
   * `update`: carries news; no reply owed.
   */
  kind: 'request' | 'update'
  /** The sender's state vector when it wrote the frame. */
  stateVector: StateVector
  /** A Yjs v1 update, or null. Never empty: the smallest Yjs update is 2 bytes. */
  update: Uint8Array | null
}

/** Frame bytes for `message`. */
export function encodeYjsSyncMessage(message: YjsSyncMessage): Uint8Array {
  if (message.update !== null && message.update.length === 0) {
    throw new RangeError('encodeYjsSyncMessage: an update is null or non-empty')
  }
  const encoder = encoding.createEncoder()
  encoding.writeUint8(encoder, YJS_SYNC_VERSION)
  encoding.writeUint8(encoder, message.kind === 'request' ? TYPE_REQUEST : TYPE_UPDATE)
  encoding.writeVarUint8Array(encoder, encodeStateVector(message.stateVector))
  encoding.writeVarUint8Array(encoder, message.update ?? new Uint8Array(0))
  return encoding.toUint8Array(encoder)
}

/** Reads a frame from `encodeYjsSyncMessage`. Throws CrdtDecodeError on anything else. */
export function decodeYjsSyncMessage(bytes: Uint8Array): YjsSyncMessage {
  return strictly('yjs sync message', bytes, (decoder) => {
    const type = readHeader(decoder)
    if (type !== TYPE_REQUEST && type !== TYPE_UPDATE) throw new CrdtDecodeError(`unknown type ${type}`)
    const stateVector = decodeStateVector(decoding.readVarUint8Array(decoder))
    const update = decoding.readVarUint8Array(decoder)
    return {
      kind: type === TYPE_REQUEST ? 'request' : 'update',
      stateVector,
      update: update.length === 0 ? null : update.slice(),
    }
  })
}

/** Bytes for `PeerSync.save()`: the last state vector the peer reported. */
export function encodeYjsSavedSync(peerStateVector: StateVector): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeUint8(encoder, YJS_SYNC_VERSION)
  encoding.writeUint8(encoder, TYPE_SAVED)
  encoding.writeVarUint8Array(encoder, encodeStateVector(peerStateVector))
  return encoding.toUint8Array(encoder)
}

/** Reads bytes from `encodeYjsSavedSync`. Throws CrdtDecodeError on anything else. */
export function decodeYjsSavedSync(bytes: Uint8Array): StateVector {
  return strictly('yjs saved sync state', bytes, (decoder) => {
    const type = readHeader(decoder)
    if (type !== TYPE_SAVED) throw new CrdtDecodeError(`unknown type ${type}`)
    return decodeStateVector(decoding.readVarUint8Array(decoder))
  })
}

/** A state vector in Yjs's v1 layout, clients in descending order as Yjs writes them. */
export function encodeStateVector(stateVector: StateVector): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, stateVector.size)
  for (const client of [...stateVector.keys()].sort((a, b) => b - a)) {
    encoding.writeVarUint(encoder, client)
    encoding.writeVarUint(encoder, stateVector.get(client) ?? 0)
  }
  return encoding.toUint8Array(encoder)
}

/** Reads a v1 state vector, rejecting repeated clients and trailing bytes. */
export function decodeStateVector(bytes: Uint8Array): StateVector {
  return strictly('yjs state vector', bytes, (decoder) => {
    const count = decoding.readVarUint(decoder)
    // Each entry takes at least two bytes, so a larger count is a lie; checking
    // first keeps a hostile count from driving a long loop.
    if (count * 2 > bytes.length - decoder.pos) throw new CrdtDecodeError(`count ${count} exceeds the input`)
    const stateVector: StateVector = new Map()
    for (let i = 0; i < count; i++) {
      const client = decoding.readVarUint(decoder)
      if (stateVector.has(client)) throw new CrdtDecodeError(`client ${client} appears twice`)
      stateVector.set(client, decoding.readVarUint(decoder))
    }
    return stateVector
  })
}

function readHeader(decoder: decoding.Decoder): number {
  if (decoder.arr.length - decoder.pos < 2) throw new CrdtDecodeError('truncated header')
  const version = decoding.readUint8(decoder)
  if (version !== YJS_SYNC_VERSION) throw new CrdtDecodeError(`unknown version ${version}`)
  return decoding.readUint8(decoder)
}

/**
 * Runs `read` over `bytes` and insists it consumed them exactly. lib0's
 * readUint8 returns undefined past the end instead of throwing, hence the
 * position check as well as the trailing-bytes check.
 */
function strictly<T>(what: string, bytes: Uint8Array, read: (decoder: decoding.Decoder) => T): T {
  try {
    const decoder = decoding.createDecoder(bytes)
    const value = read(decoder)
    if (decoder.pos > bytes.length) throw new CrdtDecodeError('truncated')
    if (decoder.pos < bytes.length) throw new CrdtDecodeError(`${bytes.length - decoder.pos} trailing bytes`)
    return value
  } catch (error) {
    throw decodeFailure(what, error)
  }
}
