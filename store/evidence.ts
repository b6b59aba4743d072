/**
 * Before a damaged store is salvaged, its LevelDB files are kept: LevelDB's
 * recovery deletes the damaged log and the MANIFEST it replaces, and its
 * repair moves files aside. The copy goes into a new folder inside the store
 * folder, `isthmus-damaged-N` (N one past the highest there), with a
 * `damage.json` saying what isthmus found. Logs, the MANIFEST, CURRENT and
 * LevelDB's info logs are copied; table files, which LevelDB never changes
 * in place, are hard-linked (copied where the file system refuses links).
 * Everything is fsynced before the salvage goes on.
 */
import { constants } from 'node:fs'
import { copyFile, link, mkdir, open, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { LevelDbDamage } from './wal-check.ts'

/** The prefix of evidence folders; a store folder holding one was salvaged before. */
export const EVIDENCE_FOLDER_PREFIX = 'isthmus-damaged-'

const TABLE_FILE = /^\d+\.(ldb|sst)$/
const KEPT_FILE = /^(\d+\.(log|ldb|sst)|MANIFEST-\d+|CURRENT|LOG|LOG\.old)$/
/** Why a hard link may fail where a copy works: another device, a file system without links. */
const LINK_REFUSED = new Set(['EXDEV', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP'])

/** Evidence folders in a store folder, oldest first. */
export async function evidenceFolders(path: string): Promise<string[]> {
  const names = await readdir(path)
  return names
    .filter((name) => name.startsWith(EVIDENCE_FOLDER_PREFIX))
    .sort((a, b) => evidenceNumber(a) - evidenceNumber(b))
}

/** Copies the store's LevelDB files into a new evidence folder; resolves with its path. */
export async function keepEvidence(path: string, names: string[], damage: LevelDbDamage): Promise<string> {
  const taken = (await evidenceFolders(path)).map(evidenceNumber)
  const folder = join(path, `${EVIDENCE_FOLDER_PREFIX}${Math.max(0, ...taken) + 1}`)
  await mkdir(folder)
  for (const name of names.filter((n) => KEPT_FILE.test(n))) {
    const from = join(path, name)
    const to = join(folder, name)
    if (TABLE_FILE.test(name)) await linkOrCopy(from, to)
    else await copyFile(from, to, constants.COPYFILE_EXCL)
    await fsyncPath(to)
  }
  await writeFile(join(folder, 'damage.json'), `${JSON.stringify(damage, null, 2)}\n`, { flag: 'wx' })
  await fsyncPath(join(folder, 'damage.json'))
  await fsyncPath(folder)
  await fsyncPath(path)
  return folder
}

async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await link(from, to)
  } catch (error) {
    if (!LINK_REFUSED.has((error as NodeJS.ErrnoException).code ?? '')) throw error
    await copyFile(from, to, constants.COPYFILE_EXCL)
  }
}

async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

function evidenceNumber(name: string): number {
  const n = Number(name.slice(EVIDENCE_FOLDER_PREFIX.length))
  return Number.isSafeInteger(n) ? n : 0
}
