/**
 * The remembered membership, as kept in node metadata: every member the node
 * knew of with its addresses, and the ids forgotten with `node.forget(id)`.
 *
 *   u8 format (KNOWN_MEMBERS_VERSION)
 *   varint count | (id, varint address count, addresses)*   members
 *   varint count | id*                                       forgotten
 *
 * strings as varint-length UTF-8, on lib0's encoding like the wire. Earlier
 * releases wrote JSON, which still reads: `{ members, forgotten }`, before
 * that a list of members, and before that a list of ids (first byte `{` or
 * `[`, never a format byte).
 */
import * as encoding from 'lib0/encoding'
import { MetadataFormatError } from '../errors.ts'
import { writeString } from '../wire/envelope.ts'
import { FrameReader, WireDecodeError } from '../wire/frame-reader.ts'
import type { KnownMember } from './membership.ts'

/** The format byte this code writes. */
export const KNOWN_MEMBERS_VERSION = 1
/** Members (and forgotten ids) remembered: far above a full mesh's ~50 nodes, a bound on what a bad record can make us read. */
export const KNOWN_MEMBERS_MAX = 10_000
/** Addresses kept per member: a host has a few; heartbeats carry at most 8. */
export const KNOWN_ADDRESSES_PER_MEMBER_MAX = 64
/** Node ids and addresses: short identifiers, as on the wire. */
const NAME_BYTES_MAX = 512

const JSON_OPEN_BRACE = 0x7b
const JSON_OPEN_BRACKET = 0x5b

/** What `decodeMembership` returns. */
export interface StoredMembership {
  members: KnownMember[]
  forgotten: string[]
}

export function encodeKnownMembers(members: KnownMember[], forgotten: readonly string[] = []): Uint8Array {
  if (members.length > KNOWN_MEMBERS_MAX || forgotten.length > KNOWN_MEMBERS_MAX)
    throw new RangeError(
      `${members.length} members, ${forgotten.length} forgotten: over ${KNOWN_MEMBERS_MAX}`,
    )
  const e = encoding.createEncoder()
  encoding.writeUint8(e, KNOWN_MEMBERS_VERSION)
  encoding.writeVarUint(e, members.length)
  for (const member of members) {
    writeString(e, member.id)
    const addresses = member.addresses.slice(0, KNOWN_ADDRESSES_PER_MEMBER_MAX)
    encoding.writeVarUint(e, addresses.length)
    for (const address of addresses) writeString(e, address)
  }
  encoding.writeVarUint(e, forgotten.length)
  for (const id of forgotten) writeString(e, id)
  return encoding.toUint8Array(e)
}

/** The stored membership (empty when none is stored); throws MetadataFormatError on bytes it cannot read. */
export function decodeMembership(bytes: Uint8Array | undefined): StoredMembership {
  if (!bytes || bytes.length === 0) return { members: [], forgotten: [] }
  if (bytes[0] === JSON_OPEN_BRACE || bytes[0] === JSON_OPEN_BRACKET) return decodeLegacyJson(bytes)
  if (bytes[0] !== KNOWN_MEMBERS_VERSION)
    throw new MetadataFormatError(`stored membership in unknown format ${bytes[0]}`)
  try {
    return readMembership(new FrameReader(bytes.subarray(1)))
  } catch (error) {
    if (error instanceof WireDecodeError)
      throw new MetadataFormatError(`stored membership: ${error.message}`, { cause: error })
    throw error
  }
}

export function decodeKnownMembers(bytes: Uint8Array | undefined): KnownMember[] {
  return decodeMembership(bytes).members
}

function readMembership(r: FrameReader): StoredMembership {
  const members: KnownMember[] = []
  const memberCount = r.varUint(KNOWN_MEMBERS_MAX)
  for (let i = 0; i < memberCount; i++) {
    const id = r.string(NAME_BYTES_MAX)
    const addresses: string[] = []
    const addressCount = r.varUint(KNOWN_ADDRESSES_PER_MEMBER_MAX)
    for (let j = 0; j < addressCount; j++) addresses.push(r.string(NAME_BYTES_MAX))
    members.push({ id, addresses })
  }
  const forgotten: string[] = []
  const forgottenCount = r.varUint(KNOWN_MEMBERS_MAX)
  for (let i = 0; i < forgottenCount; i++) forgotten.push(r.string(NAME_BYTES_MAX))
  r.end()
  return { members, forgotten }
}

/** The JSON forms of earlier releases, read as they read them (entries of the wrong shape skipped). */
function decodeLegacyJson(bytes: Uint8Array): StoredMembership {
  let parsed: unknown
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes))
  } catch (error) {
    throw new MetadataFormatError('stored membership: unreadable JSON', { cause: error })
  }
  if (Array.isArray(parsed)) return { members: decodeMemberList(parsed), forgotten: [] }
  if (typeof parsed !== 'object' || parsed === null) return { members: [], forgotten: [] }
  const record = parsed as { members?: unknown; forgotten?: unknown }
  return {
    members: Array.isArray(record.members) ? decodeMemberList(record.members) : [],
    forgotten: Array.isArray(record.forgotten)
      ? record.forgotten.filter((id): id is string => typeof id === 'string')
      : [],
  }
}

function decodeMemberList(parsed: unknown[]): KnownMember[] {
  return parsed.flatMap((m): KnownMember[] => {
    if (typeof m === 'string') return [{ id: m, addresses: [] }]
    if (typeof m !== 'object' || m === null) return []
    const member = m as { id?: unknown; addresses?: unknown }
    if (typeof member.id !== 'string') return []
    const addresses = Array.isArray(member.addresses)
      ? member.addresses.filter((a: unknown): a is string => typeof a === 'string')
      : []
    return [{ id: member.id, addresses }]
  })
}
