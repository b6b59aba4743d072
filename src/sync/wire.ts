/**
 * The isthmus wire format, version 2. Every frame is
 *
 *   u8 version | u8 type | fields (lib0 varints and length-prefixed bytes)
 *
 * with one paired encode/decode per frame type. The decoder rejects what it
 * cannot read (unknown version or type, truncation, a field over its bound,
 * trailing bytes) with WireDecodeError; a peer's bad frame is dropped, never
 * half-applied.
 */
import * as encoding from 'lib0/encoding'
import type { VersionVector } from '../../store/store.ts'
import { FrameReader, WireDecodeError } from './frame-reader.ts'

export { WireDecodeError }

/**
 * 2: heartbeats carry a content digest, and `summaries` frames exist
 * (anti-entropy). A version-1 node rejects every version-2 frame and the
 * other way round: mixed clusters do not half-work.
 */
export const WIRE_VERSION = 2

/** Largest frame accepted: a whole-document snapshot of a large editing trace fits with room to spare. */
export const FRAME_BYTES_MAX = 32 * 1024 * 1024
/** Node ids, document names, backend names: short identifiers. */
export const NAME_BYTES_MAX = 512
/** Members named in one heartbeat: full-mesh heartbeats are meant for clusters up to ~50 nodes. */
export const MEMBERS_MAX = 1024
/** Addresses gossiped per member: a host has a few (IPv4, IPv6, loopback), not hundreds. */
export const ADDRESSES_PER_MEMBER_MAX = 8
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

export type Frame = HeartbeatFrame | VectorsFrame | SyncFrame | UpdatesFrame | AckFrame | SummariesFrame

const typeCodes = { heartbeat: 1, vectors: 2, sync: 3, updates: 4, ack: 5, summaries: 6 } as const

/** One encoder for every frame (it holds no state); one per string cost more than the encoding. */
const utf8 = new TextEncoder()

/**
 * Strings up to this many characters are written byte by byte when they are
 * ASCII (ids, addresses, names: a heartbeat carries a few per member), which
 * is cheaper than a call into the native encoder. The bytes are the same.
 */
const ASCII_FAST_PATH_CHARS_MAX = 64

function writeString(e: encoding.Encoder, s: string): void {
  if (s.length <= ASCII_FAST_PATH_CHARS_MAX && isAscii(s)) {
    encoding.writeVarUint(e, s.length)
    for (let i = 0; i < s.length; i++) encoding.writeUint8(e, s.charCodeAt(i))
    return
  }
  encoding.writeVarUint8Array(e, utf8.encode(s))
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false
  return true
}

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

function readFlag(r: FrameReader): boolean {
  const flag = r.u8()
  if (flag > 1) throw new WireDecodeError(`flag byte ${flag} is neither 0 nor 1`)
  return flag === 1
}

/** Encodes a frame. Throws RangeError on a frame that breaks a bound (a programmer error). */
export function encodeFrame(frame: Frame): Uint8Array {
  const e = encoding.createEncoder()
  encoding.writeUint8(e, WIRE_VERSION)
  encoding.writeUint8(e, typeCodes[frame.type])
  writeBody(e, frame)
  const bytes = encoding.toUint8Array(e)
  if (bytes.length > FRAME_BYTES_MAX)
    throw new RangeError(`frame of ${bytes.length} bytes over ${FRAME_BYTES_MAX}`)
  return bytes
}

function writeBody(e: encoding.Encoder, frame: Frame): void {
  switch (frame.type) {
    case 'heartbeat':
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
      return
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

/** Decodes a frame from a peer; throws WireDecodeError on anything it cannot read. */
export function decodeFrame(bytes: Uint8Array): Frame {
  if (bytes.length > FRAME_BYTES_MAX)
    throw new WireDecodeError(`frame of ${bytes.length} bytes over the bound`)
  const r = new FrameReader(bytes)
  const version = r.u8()
  if (version !== WIRE_VERSION) throw new WireDecodeError(`unknown wire version ${version}`)
  const type = r.u8()
  const frame = readBody(r, type)
  r.end()
  return frame
}

function readBody(r: FrameReader, type: number): Frame {
  switch (type) {
    case typeCodes.heartbeat:
      return readHeartbeat(r)
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
      throw new WireDecodeError(`unknown frame type ${type}`)
  }
}

function readHeartbeat(r: FrameReader): HeartbeatFrame {
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
