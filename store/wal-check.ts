/**
 * A read-only look at a LevelDB folder before classic-level opens it.
 * LevelDB's recovery (db_impl.cc, RecoverLogFile) skips damaged write-ahead
 * log records without failing (classic-level cannot turn on
 * `paranoid_checks`), writes what it kept into a new table and deletes the
 * damaged log: acknowledged writes vanish with the evidence. So isthmus reads
 * CURRENT, the MANIFEST and every log file recovery will replay first, and
 * reports what LevelDB would drop. It writes nothing.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { LevelDbDecodeError } from './leveldb-bytes.ts'
import { findIntactRecords, type LogDrop, type LogRecord, readLevelDbLog } from './leveldb-log.ts'
import {
  applyVersionEdit,
  decodeWriteBatch,
  emptyManifestState,
  type ManifestState,
} from './leveldb-manifest.ts'

/** One damaged stretch of one file. */
export interface DamagedStretch {
  /** The file's name inside the store folder, e.g. "000003.log". */
  file: string
  /** Where the damage starts, in bytes from the start of the file. */
  offset: number
  /** How many bytes LevelDB would drop from there (0 for a missing file). */
  bytes: number
  reason: string
}

/** What `inspectLevelDbFolder` found wrong. */
export interface LevelDbDamage {
  stretches: DamagedStretch[]
  /**
   * 'log': LevelDB would open the folder and silently drop what is listed.
   * 'manifest': CURRENT, the MANIFEST or a table file is missing or damaged;
   * LevelDB would refuse (or, for a missing CURRENT, start an empty database).
   */
  kind: 'log' | 'manifest'
  /** LevelDB entries (puts and deletes) recovery would drop: at least this many. */
  recordsDropped: number
  /** Whether `recordsDropped` is exact (the sequence numbers around every drop are known). */
  recordsDroppedExact: boolean
  bytesDropped: number
}

/**
 * Bytes checksummed while looking for intact records inside a dropped
 * stretch (to count what it held). A damaged block costs at most 32 KiB ×
 * record length; this bounds a hostile file to well under a second.
 */
const RESCAN_CRC_BYTES_MAX = 64 * 1024 * 1024

const LOG_FILE = /^(\d+)\.log$/
const TABLE_FILE = /^(\d+)\.(ldb|sst)$/
const MANIFEST_FILE = /^MANIFEST-(\d+)$/
const CURRENT_TEXT = /^(MANIFEST-\d+)\n$/

/** Names LevelDB gives the files that hold data. */
export function isLevelDbDataFile(name: string): boolean {
  return LOG_FILE.test(name) || TABLE_FILE.test(name) || MANIFEST_FILE.test(name)
}

/**
 * Checks the LevelDB folder `path` (whose file names are `names`); resolves
 * with the damage found, or undefined when LevelDB's recovery would lose
 * nothing. A record cut short at the very end of a log (a crash while it was
 * written, so never acknowledged) is not damage.
 */
export async function inspectLevelDbFolder(
  path: string,
  names: string[],
): Promise<LevelDbDamage | undefined> {
  const manifest = await readManifest(path, names)
  if ('stretches' in manifest) return manifest
  const missing = [...manifest.state.liveTables]
    .filter((n) => !names.includes(tableName(n, 'ldb')) && !names.includes(tableName(n, 'sst')))
    .map((n) => missingFile(tableName(n, 'ldb'), `missing (listed in ${manifest.name})`))
  if (missing.length > 0) return manifestDamage(missing)
  const logs = names
    .map((name) => ({ name, number: Number(LOG_FILE.exec(name)?.[1] ?? Number.NaN) }))
    .filter(({ number }) => number >= manifest.state.logNumber || number === manifest.state.prevLogNumber)
    .sort((a, b) => a.number - b.number)
  const census = new DropCensus(manifest.state.lastSequence)
  for (const log of logs) census.addLog(log.name, await readFile(join(path, log.name)))
  return census.damage()
}

type ManifestResult = { name: string; state: ManifestState } | LevelDbDamage

async function readManifest(path: string, names: string[]): Promise<ManifestResult> {
  if (!names.includes('CURRENT')) return manifestDamage([missingFile('CURRENT', 'missing')])
  const current = await readFile(join(path, 'CURRENT'))
  const name = CURRENT_TEXT.exec(current.toString('latin1'))?.[1]
  if (name === undefined) {
    return manifestDamage([
      { file: 'CURRENT', offset: 0, bytes: current.length, reason: 'does not name a MANIFEST file' },
    ])
  }
  if (!names.includes(name)) return manifestDamage([missingFile(name, 'missing (named by CURRENT)')])
  const file = await readFile(join(path, name))
  const read = readLevelDbLog(file)
  if (read.drops.length > 0) return manifestDamage(read.drops.map((drop) => ({ file: name, ...drop })))
  const state = emptyManifestState()
  for (const record of read.records) {
    try {
      applyVersionEdit(state, record.data)
    } catch (error) {
      if (!(error instanceof LevelDbDecodeError)) throw error
      const reason = `unreadable version edit: ${error.message}`
      return manifestDamage([{ file: name, offset: record.offset, bytes: record.data.length, reason }])
    }
  }
  return { name, state }
}

function manifestDamage(stretches: DamagedStretch[]): LevelDbDamage {
  const bytesDropped = stretches.reduce((n, s) => n + s.bytes, 0)
  return { stretches, kind: 'manifest', recordsDropped: 0, recordsDroppedExact: false, bytesDropped }
}

function missingFile(file: string, reason: string): DamagedStretch {
  return { file, offset: 0, bytes: 0, reason }
}

function tableName(number: number, extension: string): string {
  return `${String(number).padStart(6, '0')}.${extension}`
}

type CensusEvent = { kind: 'drop' } | { kind: 'batch'; seq: number; count: number; kept: boolean }

/**
 * Collects the damaged stretches of the logs recovery replays, in replay
 * order, and counts the entries they held from the sequence numbers around
 * them: batches are numbered consecutively, so the gap between the batch
 * before a drop and the intact one after it is what the drop lost.
 */
class DropCensus {
  private readonly stretches: DamagedStretch[] = []
  private readonly events: CensusEvent[] = []
  private readonly manifestLastSequence: number
  private exact = true

  constructor(manifestLastSequence: number) {
    this.manifestLastSequence = manifestLastSequence
  }

  addLog(name: string, file: Uint8Array): void {
    const read = readLevelDbLog(file)
    const drops: LogDrop[] = [...read.drops]
    if (read.tornTail) {
      // A torn tail is the last thing written: an intact record after it means damage, not a crash.
      const after = findIntactRecords(file, read.tornTail.offset + 1, file.length, RESCAN_CRC_BYTES_MAX)
      if (after.records.length > 0 || !after.complete)
        drops.push({ ...read.tornTail, reason: 'record length runs past intact records' })
    }
    const entries: Array<{ offset: number; event: CensusEvent }> = []
    const stretches: DamagedStretch[] = []
    const kept = new Set(read.records.map((record) => record.offset))
    for (const record of read.records) entries.push(this.batchEntry(name, record, stretches))
    for (const drop of drops) {
      stretches.push({ file: name, ...drop })
      entries.push({ offset: drop.offset, event: { kind: 'drop' } })
      const rescued = findIntactRecords(file, drop.offset + 1, drop.offset + drop.bytes, RESCAN_CRC_BYTES_MAX)
      if (!rescued.complete) this.exact = false
      for (const record of rescued.records)
        if (!kept.has(record.offset)) entries.push(this.batchEntry(name, record, undefined))
    }
    entries.sort((a, b) => a.offset - b.offset)
    for (const { event } of entries) this.events.push(event)
    this.stretches.push(...stretches.sort((a, b) => a.offset - b.offset))
  }

  /**
   * A record as a census event. `stretches` is given for a record recovery
   * replays (one found inside a dropped stretch is already counted there): a
   * malformed batch among those is a drop of its own.
   */
  private batchEntry(
    name: string,
    record: LogRecord,
    stretches: DamagedStretch[] | undefined,
  ): { offset: number; event: CensusEvent } {
    const kept = stretches !== undefined
    try {
      return { offset: record.offset, event: { kind: 'batch', kept, ...decodeWriteBatch(record.data) } }
    } catch (error) {
      if (!(error instanceof LevelDbDecodeError)) throw error
      stretches?.push({ file: name, offset: record.offset, bytes: record.data.length, reason: error.message })
      return { offset: record.offset, event: { kind: 'drop' } }
    }
  }

  damage(): LevelDbDamage | undefined {
    if (this.stretches.length === 0) return undefined
    let recordsDropped = 0
    let next: number | undefined
    let dropSeen = false
    for (const event of this.events) {
      if (event.kind === 'drop') {
        dropSeen = true
        continue
      }
      if (dropSeen && next === undefined) {
        // Before the first intact batch: the MANIFEST's last sequence is where the log began, or later.
        recordsDropped += Math.max(1, event.seq - (this.manifestLastSequence + 1))
        this.exact = false
      } else if (dropSeen && next !== undefined) {
        recordsDropped += Math.max(0, event.seq - next)
      }
      if (!event.kept) recordsDropped += event.count
      next = event.seq + event.count
      dropSeen = false
    }
    if (dropSeen) {
      // Damage after the last intact batch: at least one entry, how many more is unknowable.
      recordsDropped += 1
      this.exact = false
    }
    const bytesDropped = this.stretches.reduce((n, s) => n + s.bytes, 0)
    const stretches = this.stretches
    return { stretches, kind: 'log', recordsDropped, recordsDroppedExact: this.exact, bytesDropped }
  }
}

/** Stretches named in a one-line summary; the rest are counted. */
const SUMMARY_STRETCHES_MAX = 2

/**
 * `damage` in one line (`salvaged`: as done, not as foreseen), e.g. "000003.log: checksum mismatch at byte 60 (32708
 * bytes); LevelDB's recovery would drop 310 records (32907 bytes)".
 */
export function describeDamage(damage: LevelDbDamage, salvaged = false): string {
  const shown = damage.stretches
    .slice(0, SUMMARY_STRETCHES_MAX)
    .map((s) =>
      s.bytes === 0
        ? `${s.file}: ${s.reason}`
        : `${s.file}: ${s.reason} at byte ${s.offset} (${s.bytes} bytes)`,
    )
  const more = damage.stretches.length - shown.length
  const where = `${shown.join(', ')}${more > 0 ? ` and ${more} more` : ''}`
  if (damage.kind === 'manifest')
    return `${where}; ${salvaged ? "rebuilt by LevelDB's repair" : 'LevelDB cannot open the folder as it is'}`
  const records = `${damage.recordsDroppedExact ? '' : 'at least '}${damage.recordsDropped} record${damage.recordsDropped === 1 ? '' : 's'}`
  return `${where}; LevelDB's recovery ${salvaged ? 'dropped' : 'would drop'} ${records} (${damage.bytesDropped} bytes)`
}
