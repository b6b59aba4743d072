/**
 * The on-disk store: LevelDB through classic-level, in one folder per node.
 *
 * Before classic-level sees the folder, isthmus reads LevelDB's CURRENT,
 * MANIFEST and write-ahead logs itself (wal-check.ts): LevelDB's recovery
 * drops damaged log records without a word (classic-level cannot turn on its
 * paranoid checks) and deletes the damaged log, so the decision is taken
 * first, while the evidence is still there.
 */
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import { type AbstractLevelStoreOptions, abstractLevelStore } from './abstract-level-store.ts'
import { StoreDamagedError, StoreLockedError, StoreNotAStoreError } from './errors.ts'
import { evidenceFolders, keepEvidence } from './evidence.ts'
import type { AppendResult, OpenReport, Store, StoredDoc, StoredUpdate, VersionVector } from './store.ts'
import { describeDamage, inspectLevelDbFolder, isLevelDbDataFile, type LevelDbDamage } from './wal-check.ts'

/** What `open()` did with a damaged store under `onDamage: 'salvage'`. */
export interface LevelStoreSalvage {
  /** The damaged files, by name inside the store folder. */
  files: string[]
  /** LevelDB entries (puts and deletes) its recovery dropped: at least this many, exactly when `recordsDroppedExact`. */
  recordsDropped: number
  recordsDroppedExact: boolean
  bytesDropped: number
  /** The folder holding the copy of the store's files as they were before the salvage. */
  evidence: string
  /** The damage in one line. */
  summary: string
}

/** Options of `levelStore`. */
export interface LevelStoreOptions extends AbstractLevelStoreOptions {
  /** The store's folder; created (with its parents) if missing. */
  path: string
  /**
   * What `open()` does when LevelDB's files are damaged (a write-ahead log
   * record that fails its checksum, a missing or damaged CURRENT, MANIFEST or
   * table file). 'refuse' (the default): reject with `StoreDamagedError` and
   * change nothing. 'salvage': copy the files into an `isthmus-damaged-N`
   * folder inside the store folder, let LevelDB recover what it can (repair
   * it first if it cannot open it at all), and say what was dropped in the
   * open report's `salvaged` field and to `onSalvage`.
   */
  onDamage?: 'refuse' | 'salvage'
  /** Called once per salvage, before `open()` resolves, with what its report's `salvaged` field holds. */
  onSalvage?: (salvage: LevelStoreSalvage) => void
}

/**
 * Files LevelDB creates before its first CURRENT file: a folder holding only
 * these is a store whose creation was interrupted, and is safe to open.
 * MANIFEST-000001 is written just before CURRENT and rewritten by a new open.
 */
const LEVELDB_STARTUP_FILES = new Set(['LOCK', 'LOG', 'LOG.old', 'MANIFEST-000001', '000001.dbtmp'])

/**
 * Times the look at the files is repeated when one vanishes while it is read:
 * only a process writing the store deletes them, and its lock then refuses us.
 */
const INSPECT_ATTEMPTS_MAX = 3

/**
 * A Store in a LevelDB folder. `open()` refuses, without writing anything, a
 * path that is a file or a folder of other files (`StoreNotAStoreError`), a
 * folder another process or store holds open (`StoreLockedError`), a store
 * of an unknown format version (`StoreFormatError`) and, unless told to
 * salvage, a store whose LevelDB files are damaged (`StoreDamagedError`).
 */
export function levelStore(options: LevelStoreOptions): Store {
  return new LevelStore(options)
}

class LevelStore implements Store {
  private readonly options: LevelStoreOptions
  private readonly inner: Store
  /** Set by the database source during `open()` when it salvaged the folder. */
  private salvage: LevelStoreSalvage | undefined

  constructor(options: LevelStoreOptions) {
    this.options = options
    this.inner = abstractLevelStore(() => this.makeDb(), options)
  }

  async open(): Promise<OpenReport> {
    this.salvage = undefined
    let report: OpenReport
    try {
      report = await this.inner.open()
    } catch (error) {
      throw await this.explainLostFormat(error)
    }
    const salvage = this.salvage
    if (salvage === undefined) return report
    this.options.onSalvage?.(salvage)
    return { ...report, salvaged: salvage }
  }

  close(): Promise<void> {
    return this.inner.close()
  }
  append(doc: string, backend: string, entry: StoredUpdate): Promise<AppendResult> {
    return this.inner.append(doc, backend, entry)
  }
  compact(doc: string, snapshot: Uint8Array, covers: VersionVector): Promise<void> {
    return this.inner.compact(doc, snapshot, covers)
  }
  load(doc: string): Promise<StoredDoc | undefined> {
    return this.inner.load(doc)
  }
  docs(): Promise<string[]> {
    return this.inner.docs()
  }
  getMeta(key: string): Promise<Uint8Array | undefined> {
    return this.inner.getMeta(key)
  }
  putMeta(key: string, value: Uint8Array): Promise<void> {
    return this.inner.putMeta(key, value)
  }

  /** Checked before classic-level sees the path: opening a folder makes it write there, and recover. */
  private async makeDb(): Promise<ClassicLevel<string, Uint8Array>> {
    const path = this.options.path
    const names = await storeFolderNames(path)
    const damage = names === undefined ? undefined : await inspect(path)
    if (damage !== undefined && names !== undefined) {
      if (this.options.onDamage !== 'salvage') throw damagedError(path, damage)
      const evidence = await keepEvidence(path, names, damage)
      if (damage.kind === 'manifest') await ClassicLevel.repair(path)
      this.salvage = {
        files: [...new Set(damage.stretches.map((s) => s.file))],
        recordsDropped: damage.recordsDropped,
        recordsDroppedExact: damage.recordsDroppedExact,
        bytesDropped: damage.bytesDropped,
        evidence,
        summary: describeDamage(damage, true),
      }
    }
    return new ClassicLevel<string, Uint8Array>(path, { keyEncoding: 'utf8', valueEncoding: 'view' })
  }

  /**
   * A salvaged store whose format record went with the damage has data and
   * no format record: that is damage, not someone else's database.
   */
  private async explainLostFormat(error: unknown): Promise<unknown> {
    if (!(error instanceof StoreNotAStoreError)) return error
    const path = this.options.path
    if (!(await isFolder(path))) return error
    const latest = (await evidenceFolders(path)).at(-1)
    if (latest === undefined) return error
    const summary = `the store's format record was lost to damage salvaged before (the files as they were are in ${join(path, latest)})`
    const found = {
      damage: [],
      recordsDropped: 0,
      recordsDroppedExact: false,
      bytesDropped: 0,
      needsRepair: false,
      summary,
    }
    return new StoreDamagedError(path, found, `store ${path} is damaged: ${summary}`, { cause: error })
  }
}

async function isFolder(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory()
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return false
    throw error
  }
}

/** Looks at the folder's LevelDB files, again if one vanishes meanwhile (see `INSPECT_ATTEMPTS_MAX`). */
async function inspect(path: string): Promise<LevelDbDamage | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await inspectLevelDbFolder(path, await readdir(path))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      if (attempt === INSPECT_ATTEMPTS_MAX) {
        throw new StoreLockedError(
          `the files of store ${path} change while they are read: another process is writing it`,
          {
            cause: error,
          },
        )
      }
    }
  }
}

function damagedError(path: string, damage: LevelDbDamage): StoreDamagedError {
  const summary = describeDamage(damage)
  const found = {
    damage: damage.stretches,
    recordsDropped: damage.recordsDropped,
    recordsDroppedExact: damage.recordsDroppedExact,
    bytesDropped: damage.bytesDropped,
    needsRepair: damage.kind === 'manifest',
    summary,
  }
  return new StoreDamagedError(path, found, `store ${path} is damaged: ${summary}; nothing was changed`)
}

/**
 * The names in the store folder, or undefined for a missing path or a new
 * store (an empty folder, or one whose creation was interrupted). Throws
 * `StoreNotAStoreError` for a file or a folder of other files.
 */
async function storeFolderNames(path: string): Promise<string[] | undefined> {
  let isDirectory: boolean
  try {
    isDirectory = (await stat(path)).isDirectory()
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  if (!isDirectory) throw new StoreNotAStoreError(`${path} is not a folder`)
  const names = await readdir(path)
  if (names.includes('CURRENT')) return names
  const data = names.filter((name) => isLevelDbDataFile(name) && !LEVELDB_STARTUP_FILES.has(name))
  // LevelDB files without CURRENT: a damaged store (LevelDB would start an empty one over them).
  if (data.length > 0) return names
  if (names.every((name) => LEVELDB_STARTUP_FILES.has(name))) return undefined
  throw new StoreNotAStoreError(`${path} holds other files and no LevelDB database`)
}
