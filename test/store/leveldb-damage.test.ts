/**
 * Damaged LevelDB files under a levelStore (issue 7, item 6). LevelDB's own
 * recovery skips a damaged write-ahead log record silently, rewrites the
 * folder and deletes the damaged log; levelStore must decide first: refuse
 * with StoreDamagedError and change nothing, or, when told to salvage, keep a
 * copy and say what LevelDB dropped. Real classic-level on disk throughout.
 */
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import { afterEach, describe, expect, it } from 'vitest'
import { levelStore, StoreDamagedError } from '../../store/index.ts'
import { readLevelDbLog } from '../../store/leveldb-log.ts'
import { decodeWriteBatch } from '../../store/leveldb-manifest.ts'
import { makeTempDir, removeTempDir } from './temp-dir.ts'

const WRITES = 300
const DAMAGE_BYTES = 64
const encoder = new TextEncoder()

let dir = ''
afterEach(async () => {
  if (dir) await removeTempDir(dir)
  dir = ''
})

/** A store holding WRITES appends to document "d", one batch each, closed (so they sit in the log). */
async function writtenStore(): Promise<string> {
  dir = await makeTempDir('leveldb-damage')
  const store = levelStore({ path: dir })
  await store.open()
  for (let seq = 1; seq <= WRITES; seq++) {
    const update = encoder.encode(`update ${seq} ${'x'.repeat(100)}`)
    await store.append('d', 'test', { dot: { origin: 'w', seq }, update })
  }
  await store.close()
  return dir
}

async function logName(path: string): Promise<string> {
  const logs = (await readdir(path)).filter((name) => name.endsWith('.log'))
  expect(logs).toHaveLength(1)
  return logs[0] as string
}

/** Flips DAMAGE_BYTES bytes of `file` from `offset` (negative: from the end). */
async function damage(path: string, file: string, offset: number): Promise<number> {
  const bytes = await readFile(join(path, file))
  const at = offset < 0 ? bytes.length + offset : offset
  for (let i = at; i < at + DAMAGE_BYTES && i < bytes.length; i++) bytes[i] = (bytes[i] as number) ^ 0xa5
  await writeFile(join(path, file), bytes)
  return at
}

/** Every file in the folder (one level of subfolders too) with a hash of its bytes. */
async function folderState(path: string): Promise<Record<string, string>> {
  const state: Record<string, string> = {}
  for (const name of await readdir(path)) {
    const full = join(path, name)
    if ((await stat(full)).isDirectory()) {
      for (const inner of await readdir(full)) state[`${name}/${inner}`] = await hashOf(join(full, inner))
    } else {
      state[name] = await hashOf(full)
    }
  }
  return state
}

async function hashOf(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex')
}

/** Opens with the default (refuse); expects StoreDamagedError and an untouched folder. */
async function expectRefused(path: string): Promise<StoreDamagedError> {
  const before = await folderState(path)
  const error = await levelStore({ path })
    .open()
    .then(
      () => undefined,
      (e: unknown) => e,
    )
  expect(error).toBeInstanceOf(StoreDamagedError)
  expect(await folderState(path)).toEqual(before)
  return error as StoreDamagedError
}

async function loadedSeqs(path: string, onDamage: 'refuse' | 'salvage' = 'refuse') {
  const store = levelStore({ path, onDamage })
  const report = await store.open()
  const doc = await store.load('d')
  await store.close()
  return { report, seqs: (doc?.updates ?? []).map((u) => u.dot.seq) }
}

/** What LevelDB itself wrote in its info log about dropped bytes during recovery. */
async function leveldbDroppedBytes(path: string): Promise<number> {
  const log = await readFile(join(path, 'LOG'), 'utf8')
  return [...log.matchAll(/dropping (\d+) bytes/g)].reduce((n, m) => n + Number(m[1]), 0)
}

describe('LevelDB write-ahead log damage', () => {
  it("LevelDB's own recovery drops damaged records silently and deletes the log (why levelStore looks first)", async () => {
    const path = await writtenStore()
    const log = await logName(path)
    await damage(path, log, 16_000)
    const db = new ClassicLevel<string, Uint8Array>(path, { keyEncoding: 'utf8', valueEncoding: 'view' })
    await db.open() // no error: this is the defect
    const logKeys = (await db.keys().all()).filter((key) => key.includes('!log!'))
    await db.close()
    expect(logKeys.length).toBeLessThan(WRITES)
    expect(await readdir(path)).not.toContain(log)
  })

  it('damage in the middle of the log: refused with the file, offset and what would be lost; nothing changed', async () => {
    const path = await writtenStore()
    const log = await logName(path)
    const at = await damage(path, log, 16_000)
    const error = await expectRefused(path)
    expect(error.path).toBe(path)
    expect(error.needsRepair).toBe(false)
    const first = error.damage[0]
    expect(first?.file).toBe(log)
    expect(first?.reason).toBe('checksum mismatch')
    // The damaged record starts at or before the first flipped byte, within one record's size.
    expect(first?.offset).toBeLessThanOrEqual(at)
    expect(at - (first?.offset ?? 0)).toBeLessThan(300)
    expect(error.recordsDropped).toBeGreaterThan(0)
    expect(error.recordsDroppedExact).toBe(true)
    expect(error.message).toContain(path)
    expect(error.message).toContain(`${log}: checksum mismatch at byte ${first?.offset}`)
    // Refused again and again: the evidence stays.
    await expectRefused(path)
  })

  it('damage at the start of the log (the format record): StoreDamagedError, not "someone else\'s database"', async () => {
    const path = await writtenStore()
    const log = await logName(path)
    await damage(path, log, 0)
    const error = await expectRefused(path)
    // Which of LevelDB's reasons depends on whether the length bytes were hit; the place does not.
    expect(error.damage[0]).toMatchObject({ file: log, offset: 0 })
    expect(error.recordsDroppedExact).toBe(false) // what preceded the first intact batch is a lower bound
    expect(error.recordsDropped).toBeGreaterThan(0)
  })

  it('damage to the last complete record of the log is damage, not a torn tail', async () => {
    const path = await writtenStore()
    const log = await logName(path)
    await damage(path, log, -DAMAGE_BYTES)
    const error = await expectRefused(path)
    expect(error.damage[0]?.file).toBe(log)
    expect(error.recordsDropped).toBeGreaterThanOrEqual(1)
  })

  it('a record cut short at the end of the log (a crash while writing it) opens without a false alarm', async () => {
    const path = await writtenStore()
    const log = await logName(path)
    const size = (await stat(join(path, log))).size
    await truncate(join(path, log), size - 20)
    const { report, seqs } = await loadedSeqs(path)
    expect(report.salvaged).toBeUndefined()
    expect(seqs).toEqual(Array.from({ length: WRITES - 1 }, (_, i) => i + 1))
  })

  it('zeros after the last record (space a power loss left unwritten) open without a false alarm', async () => {
    const path = await writtenStore()
    const log = await logName(path)
    const bytes = await readFile(join(path, log))
    await writeFile(join(path, log), Buffer.concat([bytes, Buffer.alloc(40_000)]))
    const { report, seqs } = await loadedSeqs(path)
    expect(report.salvaged).toBeUndefined()
    expect(seqs).toHaveLength(WRITES)
  })

  it('a zeroed record header with records after it is damage (LevelDB would skip the block without a word)', async () => {
    const path = await writtenStore()
    const log = await logName(path)
    const bytes = await readFile(join(path, log))
    const victim = readLevelDbLog(bytes).records.find((r) => r.offset > 1000)
    bytes.fill(0, victim?.offset, (victim?.offset ?? 0) + 7)
    await writeFile(join(path, log), bytes)
    const error = await expectRefused(path)
    expect(error.damage[0]).toMatchObject({
      file: log,
      offset: victim?.offset,
      reason: 'zeroed record header',
    })
  })

  it('a cut-short length that hides intact records after it is damage', async () => {
    const path = await writtenStore()
    const log = await logName(path)
    const bytes = await readFile(join(path, log))
    const records = readLevelDbLog(bytes).records
    // The length field of a record in the last (partial) block, made to run past the end of the file.
    const lastBlock = Math.floor(bytes.length / 32_768) * 32_768
    const victim = records.find((r) => r.offset > lastBlock + 100) ?? records[records.length - 10]
    bytes[(victim?.offset ?? 0) + 4] = 0xff
    bytes[(victim?.offset ?? 0) + 5] = 0x7f
    await writeFile(join(path, log), bytes)
    const error = await expectRefused(path)
    expect(error.damage[0]?.reason).toBe('record length runs past intact records')
  })
})

describe('salvage', () => {
  it('keeps a copy, lets LevelDB recover the rest and reports exactly what it dropped', async () => {
    const path = await writtenStore()
    const log = await logName(path)
    const pristine = await readFile(join(path, log))
    const entriesPerWrite = decodeWriteBatch(
      readLevelDbLog(pristine).records[1]?.data ?? new Uint8Array(),
    ).count
    await damage(path, log, 16_000)
    const damagedHash = await hashOf(join(path, log))
    const { report, seqs } = await loadedSeqs(path, 'salvage')
    const salvaged = report.salvaged
    expect(salvaged).toBeDefined()
    expect(salvaged?.files).toEqual([log])
    expect(salvaged?.evidence).toBe(join(path, 'isthmus-damaged-1'))
    expect(await hashOf(join(path, 'isthmus-damaged-1', log))).toBe(damagedHash)
    expect(JSON.parse(await readFile(join(path, 'isthmus-damaged-1', 'damage.json'), 'utf8'))).toMatchObject({
      kind: 'log',
    })
    // What LevelDB says it dropped, in its own info log, is what was foreseen.
    expect(await leveldbDroppedBytes(path)).toBe(salvaged?.bytesDropped)
    const lost = WRITES - seqs.length
    expect(lost).toBeGreaterThan(0)
    expect(salvaged?.recordsDroppedExact).toBe(true)
    expect(salvaged?.recordsDropped).toBe(lost * entriesPerWrite)
    // The salvaged store is clean now: it opens without a report, its evidence folder left alone.
    const again = await loadedSeqs(path)
    expect(again.report.salvaged).toBeUndefined()
    expect(again.seqs).toEqual(seqs)
  })

  it('with the format record gone, a salvaged store is reported damaged, not someone else’s', async () => {
    const path = await writtenStore()
    await damage(path, await logName(path), 0)
    const error = await levelStore({ path, onDamage: 'salvage' })
      .open()
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StoreDamagedError)
    expect((error as Error).message).toContain('isthmus-damaged-1')
    // And on every later open.
    await expect(levelStore({ path }).open()).rejects.toBeInstanceOf(StoreDamagedError)
  })
})

describe('CURRENT, MANIFEST and table files', () => {
  /** A store whose data sits in a table file: written, closed, then opened and closed once more. */
  async function storeWithTable(): Promise<string> {
    const path = await writtenStore()
    await loadedSeqs(path) // recovery moves the log into a table
    expect((await readdir(path)).some((name) => name.endsWith('.ldb'))).toBe(true)
    return path
  }

  it('a missing CURRENT is StoreDamagedError (LevelDB would start an empty store); salvage repairs it', async () => {
    const path = await storeWithTable()
    await rm(join(path, 'CURRENT'))
    const error = await expectRefused(path)
    expect(error.needsRepair).toBe(true)
    expect(error.damage[0]).toMatchObject({ file: 'CURRENT', reason: 'missing' })
    const { report, seqs } = await loadedSeqs(path, 'salvage')
    expect(report.salvaged?.files).toEqual(['CURRENT'])
    expect(seqs).toHaveLength(WRITES)
  })

  it('a MANIFEST that CURRENT names and that is missing is StoreDamagedError', async () => {
    const path = await storeWithTable()
    const manifest = (await readdir(path)).find((name) => name.startsWith('MANIFEST-')) as string
    await rm(join(path, manifest))
    const error = await expectRefused(path)
    expect(error.damage[0]).toMatchObject({ file: manifest, reason: 'missing (named by CURRENT)' })
  })

  it('a damaged MANIFEST is StoreDamagedError naming it', async () => {
    const path = await storeWithTable()
    const manifest = (await readdir(path)).find((name) => name.startsWith('MANIFEST-')) as string
    await damage(path, manifest, 10)
    const error = await expectRefused(path)
    expect(error.damage[0]?.file).toBe(manifest)
    expect(error.needsRepair).toBe(true)
  })

  it("a damaged MANIFEST is salvaged with LevelDB's repair, keeping every write its tables hold", async () => {
    const path = await storeWithTable()
    const manifest = (await readdir(path)).find((name) => name.startsWith('MANIFEST-')) as string
    await damage(path, manifest, 10)
    const { report, seqs } = await loadedSeqs(path, 'salvage')
    expect(report.salvaged?.files).toEqual([manifest])
    expect(await readdir(report.salvaged?.evidence ?? '')).toContain(manifest)
    expect(seqs).toHaveLength(WRITES)
  })

  it('a missing table file is StoreDamagedError naming it', async () => {
    const path = await storeWithTable()
    const table = (await readdir(path)).find((name) => name.endsWith('.ldb')) as string
    await rm(join(path, table))
    const error = await expectRefused(path)
    expect(error.damage[0]?.file).toBe(table)
  })
})

const WRITER = join(import.meta.dirname, 'crash-writer.ts')
/**
 * Kill delays after the writer's first acknowledged append (not after "ready": on a loaded machine 15 ms
 * after ready may come before any append lands): early, mid-run and late enough for several compactions.
 */
const KILL_AFTER_MS = [15, 120, 600]

/** Runs crash-writer.ts and SIGKILLs it `afterMs` after its first ack; resolves with its acknowledged seqs. */
function killedWriter(path: string, afterMs: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, path, '50'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let stderr = ''
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (chunk: string) => {
      // The timer starts once a whole "ack" line is out: at least one acknowledged append to check.
      const firstAck = /\nack \d+\n/
      if (!firstAck.test(out) && firstAck.test(out + chunk)) setTimeout(() => child.kill('SIGKILL'), afterMs)
      out += chunk
    })
    child.stderr.on('data', (chunk) => {
      stderr += chunk
    })
    child.on('close', (_code, signal) => {
      if (signal !== 'SIGKILL') return reject(new Error(`writer ended without being killed: ${stderr}`))
      // The last line may have been cut by the kill: only complete lines count.
      const lines = out.slice(0, out.lastIndexOf('\n')).split('\n')
      resolve(lines.filter((l) => l.startsWith('ack ')).map((l) => Number(l.slice(4))))
    })
  })
}

describe('a writer killed with SIGKILL', () => {
  it.each(KILL_AFTER_MS)(
    'leaves a log that opens without a false alarm (killed %i ms after its first ack)',
    async (afterMs) => {
      dir = await makeTempDir('leveldb-damage-kill')
      const acked = await killedWriter(dir, afterMs)
      expect(acked.length).toBeGreaterThan(0)
      const store = levelStore({ path: dir })
      const report = await store.open()
      expect(report.salvaged).toBeUndefined()
      const doc = await store.load('crash')
      await store.close()
      const held = new Set((doc?.updates ?? []).map((u) => u.dot.seq))
      const through = doc?.snapshot
        ? Number(/^through (\d+)/.exec(new TextDecoder().decode(doc.snapshot.bytes.subarray(0, 40)))?.[1])
        : 0
      for (const seq of acked) if (seq > through) expect(held.has(seq)).toBe(true)
    },
  )
})
