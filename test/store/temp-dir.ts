import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A fresh folder under the OS temp dir, for one test's LevelDB files. */
export function makeTempDir(label: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `isthmus-${label}-`))
}

/** Removes a folder made by `makeTempDir`. */
export function removeTempDir(dir: string): Promise<void> {
  return rm(dir, { recursive: true, force: true })
}
