import { spawn } from 'node:child_process'
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  levelStore,
  memoryLevel,
  memoryStore,
  type StoreError,
  StoreFormatError,
  StoreLockedError,
  StoreNotAStoreError,
} from '../../store/index.ts'
import { FORMAT_KEY } from '../../store/keys.ts'
import { encodeFormat } from '../../store/payload.ts'
import { encodeRecord } from '../../store/record.ts'
import { makeTempDir, removeTempDir } from './temp-dir.ts'

const WRITER = join(import.meta.dirname, 'crash-writer.ts')
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)

/** Every key and value of the LevelDB at `path`, as text, to prove a refused open changed nothing. */
async function dumpLevel(path: string): Promise<string[]> {
  const db = new ClassicLevel<string, Uint8Array>(path, { keyEncoding: 'utf8', valueEncoding: 'view' })
  await db.open({ createIfMissing: false })
  const entries = await db.iterator().all()
  await db.close()
  return entries.map(([key, value]) => `${key}=${Buffer.from(value).toString('hex')}`)
}

/** A store at `path` holding one document, closed. */
async function makeStore(path: string): Promise<void> {
  const store = levelStore({ path })
  await store.open()
  await store.append('doc', 'yjs', { dot: { origin: 'n1', seq: 1 }, update: bytes('kept') })
  await store.close()
}

async function expectRefused(path: string, errorClass: new (...args: never[]) => StoreError, name: string) {
  const attempt = levelStore({ path }).open()
  await expect(attempt).rejects.toBeInstanceOf(errorClass)
  await expect(attempt).rejects.toMatchObject({ name })
}

describe('bad input on open', () => {
  let dir = ''
  beforeEach(async () => {
    dir = await makeTempDir('bad-input')
  })
  afterEach(async () => {
    await removeTempDir(dir)
  })

  it('refuses a regular file with StoreNotAStoreError and leaves it alone', async () => {
    const path = join(dir, 'a-file')
    await writeFile(path, 'not a store')
    await expectRefused(path, StoreNotAStoreError, 'StoreNotAStoreError')
    expect(await readFile(path, 'utf8')).toBe('not a store')
  })

  it('refuses a folder of other files with StoreNotAStoreError and writes nothing into it', async () => {
    const path = join(dir, 'photos')
    await mkdir(path)
    await writeFile(join(path, 'cat.jpg'), 'meow')
    await expectRefused(path, StoreNotAStoreError, 'StoreNotAStoreError')
    expect(await readdir(path)).toEqual(['cat.jpg'])
    expect(await readFile(join(path, 'cat.jpg'), 'utf8')).toBe('meow')
  })

  it('refuses a LevelDB that is not a store with StoreNotAStoreError and changes none of its data', async () => {
    const path = join(dir, 'foreign')
    const foreign = new ClassicLevel<string, string>(path)
    await foreign.put('someone', 'else')
    await foreign.close()
    await expectRefused(path, StoreNotAStoreError, 'StoreNotAStoreError')
    expect(await dumpLevel(path)).toEqual([`someone=${Buffer.from('else').toString('hex')}`])
  })

  it('refuses a memory-level database holding foreign data', async () => {
    const db = memoryLevel()
    await db.put('someone', bytes('else'))
    await expect(memoryStore({ db }).open()).rejects.toMatchObject({ name: 'StoreNotAStoreError' })
  })

  it('opens an empty folder as a new store', async () => {
    const path = join(dir, 'empty')
    await mkdir(path)
    const store = levelStore({ path })
    expect(await store.open()).toEqual({ corrupt: [] })
    await store.close()
  })

  it('refuses an unknown format version with StoreFormatError and changes nothing', async () => {
    const path = join(dir, 'future')
    await makeStore(path)
    const db = new ClassicLevel<string, Uint8Array>(path, { keyEncoding: 'utf8', valueEncoding: 'view' })
    await db.put(FORMAT_KEY, encodeRecord(encodeFormat(99)))
    await db.close()
    const before = await dumpLevel(path)
    await expectRefused(path, StoreFormatError, 'StoreFormatError')
    expect(await dumpLevel(path)).toEqual(before)
    await expect(levelStore({ path }).open()).rejects.toThrow(/format version 99/)
  })

  it('refuses a format record in an unknown record version with StoreFormatError', async () => {
    const path = join(dir, 'future-envelope')
    await makeStore(path)
    const db = new ClassicLevel<string, Uint8Array>(path, { keyEncoding: 'utf8', valueEncoding: 'view' })
    const record = encodeRecord(encodeFormat(1))
    record[0] = 2
    await db.put(FORMAT_KEY, record)
    await db.close()
    const before = await dumpLevel(path)
    await expectRefused(path, StoreFormatError, 'StoreFormatError')
    expect(await dumpLevel(path)).toEqual(before)
  })

  it('refuses a store held open in this process with StoreLockedError; the holder carries on', async () => {
    const path = join(dir, 'locked')
    const holder = levelStore({ path })
    await holder.open()
    await holder.append('doc', 'yjs', { dot: { origin: 'n1', seq: 1 }, update: bytes('first') })
    await expectRefused(path, StoreLockedError, 'StoreLockedError')
    await holder.append('doc', 'yjs', { dot: { origin: 'n1', seq: 2 }, update: bytes('second') })
    await holder.close()
    const next = levelStore({ path })
    expect(await next.open()).toEqual({ corrupt: [] })
    expect((await next.load('doc'))?.updates.map((u) => u.dot.seq)).toEqual([1, 2])
    await next.close()
  })

  it('refuses a store held open by another process with StoreLockedError', async () => {
    const path = join(dir, 'locked-elsewhere')
    const child = spawn(process.execPath, [WRITER, path, '1000000'], { stdio: ['ignore', 'pipe', 'inherit'] })
    const exited = new Promise((resolve) => child.on('close', resolve))
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.setEncoding('utf8')
        child.stdout.on('data', (chunk: string) => {
          if (chunk.startsWith('ready')) resolve()
        })
        child.on('close', () => reject(new Error('the lock holder exited early')))
      })
      await expectRefused(path, StoreLockedError, 'StoreLockedError')
    } finally {
      child.kill('SIGKILL')
      await exited
    }
    const store = levelStore({ path })
    expect(await store.open()).toEqual({ corrupt: [] })
    await store.close()
  })
})
