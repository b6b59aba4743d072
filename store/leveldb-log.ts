/**
 * LevelDB's log format (db/log_format.md), read the way LevelDB 1.20's
 * `log::Reader` reads it, so that isthmus knows what LevelDB's recovery would
 * keep and drop before letting LevelDB touch a folder. Both the write-ahead
 * log (`NNNNNN.log`) and the MANIFEST use it.
 *
 * The file is a run of 32 KiB blocks. Each block holds physical records:
 *
 *   bytes 0..3  masked CRC-32C of the type byte and the data, little-endian
 *   bytes 4..5  data length, little-endian
 *   byte  6     type: 1 FULL, 2 FIRST, 3 MIDDLE, 4 LAST
 *   bytes 7..   data
 *
 * A logical record is one FULL record or FIRST, MIDDLE..., LAST. Fewer than
 * 7 bytes left in a block are a zero trailer. After a checksum mismatch
 * LevelDB drops the rest of the block (the length may be the damaged part);
 * a record cut short by the end of the file is a write the process did not
 * finish (a crash), which LevelDB ignores without a report, and so does this.
 */
import { crc32c, unmaskCrc } from './crc32c.ts'

/** LevelDB's log block size (log_format.h, kBlockSize). */
export const LOG_BLOCK_BYTES = 32_768
/** Checksum, length and type (log_format.h, kHeaderSize). */
export const LOG_HEADER_BYTES = 7

const FULL = 1
const FIRST = 2
const MIDDLE = 3
const LAST = 4
const EOF = -1
const BAD = -2

/** One logical record: where its first fragment's header starts, and its data. */
export interface LogRecord {
  offset: number
  data: Uint8Array
}

/** Bytes LevelDB's reader would drop, where and why (its own wording, as in its LOG file). */
export interface LogDrop {
  offset: number
  bytes: number
  reason: string
}

/** What reading a log file found. */
export interface LogReadResult {
  records: LogRecord[]
  drops: LogDrop[]
  /** An unfinished last record (a crash while writing it): ignored, like LevelDB does. */
  tornTail?: { offset: number; bytes: number }
}

interface Fragment {
  type: number
  offset: number
  data: Uint8Array
}

/** Reads every logical record of a log file, listing what LevelDB's recovery would drop. */
export function readLevelDbLog(file: Uint8Array): LogReadResult {
  return new LogReader(file).readAll()
}

/** A port of leveldb-1.20 db/log_reader.cc (ReadRecord, ReadPhysicalRecord) with initial offset 0. */
class LogReader {
  private readonly file: Uint8Array
  /** The unread part of the current block is [pos, blockEnd). */
  private pos = 0
  private blockEnd = 0
  private eof = false
  private readonly result: LogReadResult = { records: [], drops: [] }

  constructor(file: Uint8Array) {
    this.file = file
  }

  readAll(): LogReadResult {
    let parts: Uint8Array[] = []
    let partsBytes = 0
    let fragmented = false
    let recordOffset = 0
    const dropParts = (reason: string) => {
      if (partsBytes > 0) this.drop(recordOffset, partsBytes, reason)
      parts = []
      partsBytes = 0
      fragmented = false
    }
    for (;;) {
      const fragment = this.readPhysical()
      switch (fragment.type) {
        case FULL:
          if (fragmented) dropParts('partial record without end(1)')
          this.result.records.push({ offset: fragment.offset, data: fragment.data })
          break
        case FIRST:
          if (fragmented) dropParts('partial record without end(2)')
          recordOffset = fragment.offset
          parts = [fragment.data]
          partsBytes = fragment.data.length
          fragmented = true
          break
        case MIDDLE:
        case LAST:
          if (!fragmented) {
            this.drop(
              fragment.offset,
              fragment.data.length,
              `missing start of fragmented record(${fragment.type === MIDDLE ? 1 : 2})`,
            )
            break
          }
          parts.push(fragment.data)
          partsBytes += fragment.data.length
          if (fragment.type === LAST) {
            this.result.records.push({ offset: recordOffset, data: concat(parts, partsBytes) })
            parts = []
            partsBytes = 0
            fragmented = false
          }
          break
        case EOF:
          // A fragmented record the end of the file cut short: the writer died between fragments.
          if (fragmented)
            this.result.tornTail = { offset: recordOffset, bytes: this.file.length - recordOffset }
          return this.result
        case BAD:
          if (fragmented) dropParts('error in middle of record')
          break
        default:
          this.drop(
            fragment.offset,
            fragment.data.length + (fragmented ? partsBytes : 0),
            `unknown record type ${fragment.type}`,
          )
          parts = []
          partsBytes = 0
          fragmented = false
      }
    }
  }

  private readPhysical(): Fragment {
    const file = this.file
    for (;;) {
      const offset = this.pos
      const left = this.blockEnd - offset
      if (left < LOG_HEADER_BYTES) {
        if (!this.eof) {
          // The rest of a full block is its zero trailer; the next block follows.
          this.pos = this.blockEnd
          this.blockEnd = Math.min(this.pos + LOG_BLOCK_BYTES, file.length)
          if (this.blockEnd - this.pos < LOG_BLOCK_BYTES) this.eof = true
          continue
        }
        // A header cut short by the end of the file: the writer died writing it.
        if (left > 0) this.result.tornTail = { offset, bytes: left }
        this.pos = this.blockEnd
        return { type: EOF, offset, data: EMPTY }
      }
      const length = (file[offset + 4] as number) | ((file[offset + 5] as number) << 8)
      const type = file[offset + 6] as number
      if (LOG_HEADER_BYTES + length > left) {
        this.pos = this.blockEnd
        if (!this.eof) {
          this.drop(offset, left, 'bad record length')
          return { type: BAD, offset, data: EMPTY }
        }
        // The file ends inside this record's data: the writer died writing it.
        this.result.tornTail = { offset, bytes: left }
        return { type: EOF, offset, data: EMPTY }
      }
      if (type === 0 && length === 0) {
        // LevelDB skips the rest of the block silently (preallocated space of
        // old mmap writers). Zeros to the end of the file are a torn tail; a
        // zeroed header with data after it is damage LevelDB would not report.
        this.pos = this.blockEnd
        if (isZero(file, offset, file.length)) this.result.tornTail = { offset, bytes: file.length - offset }
        else this.drop(offset, left, 'zeroed record header')
        return { type: BAD, offset, data: EMPTY }
      }
      const expected = unmaskCrc(readUint32Le(file, offset))
      if (crc32c(file, offset + 6, offset + LOG_HEADER_BYTES + length) !== expected) {
        this.pos = this.blockEnd
        this.drop(offset, left, 'checksum mismatch')
        return { type: BAD, offset, data: EMPTY }
      }
      this.pos = offset + LOG_HEADER_BYTES + length
      return { type, offset, data: file.subarray(offset + LOG_HEADER_BYTES, this.pos) }
    }
  }

  private drop(offset: number, bytes: number, reason: string): void {
    this.result.drops.push({ offset, bytes, reason })
  }
}

/**
 * Intact logical records inside `[from, to)`, a stretch LevelDB's reader
 * dropped: every offset is tried as a record header, and a record counts
 * only if its checksum holds. Used to tell how much a drop lost, never to
 * recover. Stops after `crcBytesMax` checksummed bytes (a hostile stretch
 * could otherwise cost length × offsets) and says so.
 */
export function findIntactRecords(
  file: Uint8Array,
  from: number,
  to: number,
  crcBytesMax: number,
): { records: LogRecord[]; complete: boolean } {
  const records: LogRecord[] = []
  let budget = crcBytesMax
  let parts: Uint8Array[] | undefined
  let partsOffset = 0
  let offset = from
  while (offset + LOG_HEADER_BYTES <= to) {
    const type = file[offset + 6] as number
    const length = (file[offset + 4] as number) | ((file[offset + 5] as number) << 8)
    const blockLeft = LOG_BLOCK_BYTES - (offset % LOG_BLOCK_BYTES)
    const fits = type >= FULL && type <= LAST && LOG_HEADER_BYTES + length <= Math.min(blockLeft, to - offset)
    if (!fits) {
      offset++
      continue
    }
    budget -= length + 1
    if (budget < 0) return { records, complete: false }
    if (
      crc32c(file, offset + 6, offset + LOG_HEADER_BYTES + length) !== unmaskCrc(readUint32Le(file, offset))
    ) {
      offset++
      continue
    }
    const data = file.subarray(offset + LOG_HEADER_BYTES, offset + LOG_HEADER_BYTES + length)
    if (type === FULL) records.push({ offset, data })
    if (type === FIRST) {
      parts = [data]
      partsOffset = offset
    }
    if (type === MIDDLE) parts?.push(data)
    if (type === LAST && parts) {
      parts.push(data)
      records.push({
        offset: partsOffset,
        data: concat(
          parts,
          parts.reduce((n, p) => n + p.length, 0),
        ),
      })
    }
    if (type === FULL || type === LAST) parts = undefined
    offset += LOG_HEADER_BYTES + length
  }
  return { records, complete: true }
}

const EMPTY = new Uint8Array(0)

function readUint32Le(bytes: Uint8Array, at: number): number {
  return (
    ((bytes[at] as number) |
      ((bytes[at + 1] as number) << 8) |
      ((bytes[at + 2] as number) << 16) |
      ((bytes[at + 3] as number) << 24)) >>>
    0
  )
}

function isZero(bytes: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (bytes[i] !== 0) return false
  return true
}

function concat(parts: Uint8Array[], bytes: number): Uint8Array {
  const out = new Uint8Array(bytes)
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}
