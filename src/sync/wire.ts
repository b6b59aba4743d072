/**
 * Sync's frames (vectors, sync, updates, ack, summaries) in the shared
 * envelope of src/wire/envelope.ts: one paired encode/decode per frame type.
 * The decoder rejects what it cannot read (unknown version or type,
 * truncation, a field over its bound, trailing bytes) with WireDecodeError; a
 * peer's bad frame is dropped, never half-applied. Membership's heartbeat is
 * membership's (src/membership/heartbeat-frame.ts); the node reads both
 * (src/node/frames.ts).
 */
import * as encoding from 'lib0/encoding'
import type { VersionVector } from '../../store/store.ts'
import {
  encodeEnvelope,
  FRAME_BYTES_MAX,
  FRAME_TYPE_CODES,
  type FrameReader,
  NAME_BYTES_MAX,
  openEnvelope,
  readFlag,
  WireDecodeError,
  writeString,
} from '../wire/envelope.ts'

export { WireDecodeError }

/** Documents described in one vectors frame. */
export const DOCS_MAX = 100_000
/** Origins in one version vector. */
export const ORIGINS_MAX = 10_000
/** Updates coalesced into one frame. */
export const ENTRIES_MAX = 100_000
/**
 * Per-document summary hashes in one `summaries` frame: ~4k × (name + 6
 * bytes) stays near 64 KiB with short names, so a node with 100k documents
 * sends ~25 frames per comparison and none of them hogs a link.
 */
export const SUMMARIES_PER_FRAME_MAX = 4096

export interface VectorsFrame {
  type: 'vectors'
  /** True when this answers a request; a request is answered once, never re-requested in reply. */
  reply: boolean
  docs: Array<{ name: string; backend: string; vector: VersionVector }>
}

export interface SyncFrame {
  type: 'sync'
  doc: string
  backend: string
  /** The sender's vector for this document when it generated `payload`. */
  vector: VersionVector
  /**
   * The first message of a new conversation: the receiver restarts its side
   * too (from its saved state), forgetting what it believes it already sent,
   * in case that message was lost.
   */
  restart: boolean
  /** A message of the backend's own sync protocol. */
  payload: Uint8Array
}

/** Live updates of one origin (a node pushes only its own changes), named once per frame. */
export interface UpdatesFrame {
  type: 'updates'
  doc: string
  backend: string
  origin: string
  entries: Array<{ seq: number; update: Uint8Array }>
}

export interface AckFrame {
  type: 'ack'
  doc: string
  origin: string
  /** Seqs of `origin`'s dots the sender now holds durably. */
  seqs: number[]
}

/**
 * Anti-entropy: the sender's content summary hash of every document whose
 * name is in [from, to) (`to` empty: no upper bound), sorted by name. A
 * receiver syncs every document in the range whose hash differs from its
 * own, that it lacks, or that it holds and the sender did not list.
 */
export interface SummariesFrame {
  type: 'summaries'
  from: string
  to: string
  docs: Array<{ name: string; backend: string; hash: number }>
}

/** Every frame sync sends and receives. */
export type Frame = VectorsFrame | SyncFrame | UpdatesFrame | AckFrame | SummariesFrame

const typeCodes = FRAME_TYPE_CODES

function writeVector(e: encoding.Encoder, vector: VersionVector): void {
  const entries = Object.entries(vector)
  encoding.writeVarUint(e, entries.length)
  for (const [origin, seq] of entries) {
    writeString(e, origin)
    encoding.writeVarUint(e, seq)
  }
}

function readVector(r: FrameReader): VersionVector {
  const entries: Array<[string, number]> = []
  const count = r.varUint(ORIGINS_MAX)
  for (let i = 0; i < count; i++) entries.push([r.string(NAME_BYTES_MAX), r.varUint()])
  // fromEntries defines own properties: a hostile origin named "__proto__" cannot reach the prototype.
  return Object.fromEntries(entries)
}

/** Encodes a sync frame. Throws RangeError on a frame that breaks a bound (a programmer error). */
export function encodeSyncFrame(frame: Frame): Uint8Array {
  return encodeEnvelope(frame.type, (e) => writeBody(e, frame))
}

function writeBody(e: encoding.Encoder, frame: Frame): void {
  switch (frame.type) {
    case 'vectors':
      encoding.writeUint8(e, frame.reply ? 1 : 0)
      encoding.writeVarUint(e, frame.docs.length)
      for (const d of frame.docs) {
        writeString(e, d.name)
        writeString(e, d.backend)
        writeVector(e, d.vector)
      }
      return
    case 'sync':
      writeString(e, frame.doc)
      writeString(e, frame.backend)
      writeVector(e, frame.vector)
      encoding.writeUint8(e, frame.restart ? 1 : 0)
      encoding.writeVarUint8Array(e, frame.payload)
      return
    case 'updates':
      writeString(e, frame.doc)
      writeString(e, frame.backend)
      writeString(e, frame.origin)
      encoding.writeVarUint(e, frame.entries.length)
      for (const u of frame.entries) {
        encoding.writeVarUint(e, u.seq)
        encoding.writeVarUint8Array(e, u.update)
      }
      return
    case 'ack':
      writeString(e, frame.doc)
      writeString(e, frame.origin)
      encoding.writeVarUint(e, frame.seqs.length)
      for (const seq of frame.seqs) encoding.writeVarUint(e, seq)
      return
    case 'summaries':
      if (frame.docs.length > SUMMARIES_PER_FRAME_MAX)
        throw new RangeError(`${frame.docs.length} summaries over ${SUMMARIES_PER_FRAME_MAX}`)
      writeString(e, frame.from)
      writeString(e, frame.to)
      encoding.writeVarUint(e, frame.docs.length)
      for (const d of frame.docs) {
        writeString(e, d.name)
        writeString(e, d.backend)
        encoding.writeUint32(e, d.hash >>> 0)
      }
      return
  }
}

/** Decodes a sync frame from a peer; throws WireDecodeError on anything it cannot read. */
export function decodeSyncFrame(bytes: Uint8Array): Frame {
  const { type, reader } = openEnvelope(bytes)
  const frame = readSyncFields(reader, type)
  if (frame === undefined) throw new WireDecodeError(`unknown frame type ${type}`)
  reader.end()
  return frame
}

/** The fields of a sync frame of type code `type`, after the envelope; undefined when `type` is not sync's. */
export function readSyncFields(r: FrameReader, type: number): Frame | undefined {
  return readBody(r, type)
}

function readBody(r: FrameReader, type: number): Frame | undefined {
  switch (type) {
    case typeCodes.vectors: {
      const reply = readFlag(r)
      const count = r.varUint(DOCS_MAX)
      const docs: VectorsFrame['docs'] = []
      for (let i = 0; i < count; i++) {
        docs.push({
          name: r.string(NAME_BYTES_MAX),
          backend: r.string(NAME_BYTES_MAX),
          vector: readVector(r),
        })
      }
      return { type: 'vectors', reply, docs }
    }
    case typeCodes.sync:
      return {
        type: 'sync',
        doc: r.string(NAME_BYTES_MAX),
        backend: r.string(NAME_BYTES_MAX),
        vector: readVector(r),
        restart: readFlag(r),
        payload: r.bytes(FRAME_BYTES_MAX),
      }
    case typeCodes.updates:
      return readUpdates(r)
    case typeCodes.ack: {
      const doc = r.string(NAME_BYTES_MAX)
      const origin = r.string(NAME_BYTES_MAX)
      const count = r.varUint(ENTRIES_MAX)
      const seqs: number[] = []
      for (let i = 0; i < count; i++) seqs.push(r.varUint())
      return { type: 'ack', doc, origin, seqs }
    }
    case typeCodes.summaries:
      return readSummaries(r)
    default:
      return undefined
  }
}

function readSummaries(r: FrameReader): SummariesFrame {
  const from = r.string(NAME_BYTES_MAX)
  const to = r.string(NAME_BYTES_MAX)
  const count = r.varUint(SUMMARIES_PER_FRAME_MAX)
  const docs: SummariesFrame['docs'] = []
  for (let i = 0; i < count; i++)
    docs.push({ name: r.string(NAME_BYTES_MAX), backend: r.string(NAME_BYTES_MAX), hash: r.u32() })
  return { type: 'summaries', from, to, docs }
}

function readUpdates(r: FrameReader): UpdatesFrame {
  const doc = r.string(NAME_BYTES_MAX)
  const backend = r.string(NAME_BYTES_MAX)
  const origin = r.string(NAME_BYTES_MAX)
  const count = r.varUint(ENTRIES_MAX)
  const entries: UpdatesFrame['entries'] = []
  for (let i = 0; i < count; i++) entries.push({ seq: r.varUint(), update: r.bytes(FRAME_BYTES_MAX) })
  return { type: 'updates', doc, backend, origin, entries }
}
