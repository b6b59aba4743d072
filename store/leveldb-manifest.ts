/**
 * What isthmus needs from LevelDB's MANIFEST and write batches: which log
 * files recovery will replay, which table files must exist, the last
 * sequence number the MANIFEST recorded, and each write batch's sequence
 * number and entry count (db/version_edit.cc, db/write_batch.cc).
 */
import { LevelDbBytes, LevelDbDecodeError } from './leveldb-bytes.ts'

/** VersionEdit tags (db/version_edit.cc). Tag 8 was used by old releases and is refused, as LevelDB refuses it. */
const COMPARATOR = 1
const LOG_NUMBER = 2
const NEXT_FILE_NUMBER = 3
const LAST_SEQUENCE = 4
const COMPACT_POINTER = 5
const DELETED_FILE = 6
const NEW_FILE = 7
const PREV_LOG_NUMBER = 9

/** The MANIFEST's state once every edit is applied: what recovery starts from. */
export interface ManifestState {
  logNumber: number
  prevLogNumber: number
  lastSequence: number
  /** Numbers of the table files the database holds (NNNNNN.ldb or .sst). */
  liveTables: Set<number>
}

/** Applies one VersionEdit record to `state`; throws `LevelDbDecodeError` on one LevelDB would refuse. */
export function applyVersionEdit(state: ManifestState, record: Uint8Array): void {
  const input = new LevelDbBytes(record)
  while (!input.done) {
    const tag = input.varint()
    switch (tag) {
      case COMPARATOR:
        input.slice()
        break
      case LOG_NUMBER:
        state.logNumber = input.varint()
        break
      case PREV_LOG_NUMBER:
        state.prevLogNumber = input.varint()
        break
      case NEXT_FILE_NUMBER:
        input.varint()
        break
      case LAST_SEQUENCE:
        state.lastSequence = input.varint()
        break
      case COMPACT_POINTER:
        input.varint() // level
        input.slice() // internal key
        break
      case DELETED_FILE:
        input.varint() // level
        state.liveTables.delete(input.varint())
        break
      case NEW_FILE:
        input.varint() // level
        state.liveTables.add(input.varint())
        input.varint() // file size
        input.slice() // smallest key
        input.slice() // largest key
        break
      default:
        throw new LevelDbDecodeError(`unknown VersionEdit tag ${tag}`)
    }
  }
}

/** A new, empty state to apply edits to. */
export function emptyManifestState(): ManifestState {
  return { logNumber: 0, prevLogNumber: 0, lastSequence: 0, liveTables: new Set() }
}

/** One write batch's header: its first sequence number and how many entries (puts and deletes) it holds. */
export interface WriteBatchHeader {
  seq: number
  count: number
}

/** LevelDB's write batch header: 8-byte sequence number, 4-byte count (write_batch.cc, kHeader). */
const BATCH_HEADER_BYTES = 12
const TYPE_DELETION = 0
const TYPE_VALUE = 1

/**
 * Decodes a write batch and checks every entry, as `WriteBatch::Iterate`
 * does; throws `LevelDbDecodeError` for one LevelDB would apply only in part.
 */
export function decodeWriteBatch(record: Uint8Array): WriteBatchHeader {
  if (record.length < BATCH_HEADER_BYTES) throw new LevelDbDecodeError('log record too small')
  const input = new LevelDbBytes(record)
  const seq = input.fixed64()
  const count = input.fixed32()
  let found = 0
  while (!input.done) {
    const type = input.byte()
    if (type !== TYPE_VALUE && type !== TYPE_DELETION) throw new LevelDbDecodeError('unknown WriteBatch tag')
    input.slice()
    if (type === TYPE_VALUE) input.slice()
    found++
  }
  if (found !== count) throw new LevelDbDecodeError('WriteBatch has wrong count')
  return { seq, count }
}
