/**
 * The on-disk store: LevelDB through classic-level, in one folder per node.
 */
import { readdir, stat } from 'node:fs/promises'
import { ClassicLevel } from 'classic-level'
import { StoreNotAStoreError } from './errors.ts'
import { type AbstractLevelStoreOptions, abstractLevelStore } from './level.ts'
import type { Store } from './store.ts'

/** Options of `levelStore`. */
export interface LevelStoreOptions extends AbstractLevelStoreOptions {
  /** The store's folder; created (with its parents) if missing. */
  path: string
}

/**
 * Files LevelDB creates before its first CURRENT file: a folder holding only
 * these is a store whose creation was interrupted, and is safe to open.
 */
const LEVELDB_STARTUP_FILES = new Set(['LOCK', 'LOG', 'LOG.old'])

/**
 * A Store in a LevelDB folder. `open()` refuses, without writing anything, a
 * path that is a file or a folder of other files (`StoreNotAStoreError`), a
 * folder another process or store holds open (`StoreLockedError`) and a store
 * of an unknown format version (`StoreFormatError`).
 */
export function levelStore(options: LevelStoreOptions): Store {
  return abstractLevelStore(async () => {
    // Checked before classic-level sees the path: opening a folder makes it write LOCK and LOG files there.
    await assertStorePath(options.path)
    return new ClassicLevel<string, Uint8Array>(options.path, { keyEncoding: 'utf8', valueEncoding: 'view' })
  }, options)
}

/** Passes for a missing path, an empty folder or a LevelDB folder; throws `StoreNotAStoreError` otherwise. */
async function assertStorePath(path: string): Promise<void> {
  let isDirectory: boolean
  try {
    isDirectory = (await stat(path)).isDirectory()
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return
    throw err
  }
  if (!isDirectory) throw new StoreNotAStoreError(`${path} is not a folder`)
  const names = await readdir(path)
  if (names.includes('CURRENT') || names.every((name) => LEVELDB_STARTUP_FILES.has(name))) return
  throw new StoreNotAStoreError(`${path} holds other files and no LevelDB database`)
}
