import { spawn } from 'node:child_process'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { BatchOp } from '../../store/group-commit.ts'
import { levelStore, memoryLevel, memoryStore, type Store } from '../../store/index.ts'
import { makeTempDir, removeTempDir } from './temp-dir.ts'

const WRITER = join(import.meta.dirname, 'crash-writer.ts')
/** Seed of the kill delays; change it to explore other schedules, quote it to replay one. */
const CRASH_SEED = 20_240_611
const KILL_DELAYS_MS = fc.sample(fc.noBias(fc.integer({ min: 5, max: 1500 })), {
  seed: CRASH_SEED,
  numRuns: 10,
})
/** Kill on the k-th "compacting" line: the child is then most likely inside that compaction's batch. */
const KILL_ON_COMPACTING = [1, 4, 15, 60, 200]
/** A writer that outlives this has hung; the test fails instead of waiting forever. */
const WRITER_HANG_MS = 20_000

type KillPlan = { afterFirstAckMs: number } | { onCompacting: number }

/** Runs crash-writer.ts on `path`, SIGKILLs it as planned, returns the complete lines it printed. */
function runWriterUntilKilled(path: string, plan: KillPlan): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, path, '4'], { stdio: ['ignore', 'pipe', 'pipe'] })
    const lines: string[] = []
    let partial = ''
    let stderr = ''
    let compactings = 0
    let acked = false
    const kill = () => child.kill('SIGKILL')
    const hang = setTimeout(kill, WRITER_HANG_MS)
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n')
      // A line cut by the kill ("ack 1" of "ack 12") is not an acknowledgement.
      partial = parts.pop() ?? ''
      for (const line of parts) {
        lines.push(line)
        // From the first acknowledged append, not from "ready": a loaded machine may land none in the first ms.
        if (line.startsWith('ack ') && !acked && 'afterFirstAckMs' in plan)
          setTimeout(kill, plan.afterFirstAckMs)
        if (line.startsWith('ack ')) acked = true
        if (line.startsWith('compacting ') && 'onCompacting' in plan && ++compactings === plan.onCompacting)
          kill()
      }
    })
    child.stderr.on('data', (chunk) => {
      stderr += chunk
    })
    child.on('close', (code, signal) => {
      clearTimeout(hang)
      if (signal === 'SIGKILL' && lines.includes('ready')) resolve(lines)
      else reject(new Error(`writer ended with ${signal ?? code}, printed ${lines.length} lines: ${stderr}`))
    })
  })
}

const seqsOf = (lines: string[], word: string) =>
  lines.filter((line) => line.startsWith(`${word} `)).map((line) => Number(line.slice(word.length + 1)))

/** The seq a writer snapshot says it replaced ("through <n>" at its start), or 0 without a snapshot. */
function snapshotThrough(bytes: Uint8Array | undefined): number {
  if (!bytes) return 0
  const match = /^through (\d+)\n/.exec(new TextDecoder().decode(bytes.subarray(0, 40)))
  expect(match).not.toBeNull()
  return Number(match?.[1])
}

/**
 * Opens the store a writer left behind and checks it: nothing corrupt, no
 * replaced entry left beside its snapshot, every acknowledged write present.
 */
async function expectIntactAfterCrash(store: Store, lines: string[]) {
  expect(await store.open()).toEqual({ corrupt: [] })
  const doc = await store.load('crash')
  const through = snapshotThrough(doc?.snapshot?.bytes)
  if (doc?.snapshot) expect(doc.snapshot.covers).toEqual({ writer: through })
  const logged = (doc?.updates ?? []).map((u) => u.dot.seq)
  // A compaction is one batch: none of the entries it replaced may survive it.
  for (const seq of logged) expect(seq).toBeGreaterThan(through)
  expect(logged).toEqual([...logged].sort((a, b) => a - b))
  for (const u of doc?.updates ?? []) expect(new TextDecoder().decode(u.update)).toBe(`update ${u.dot.seq}`)
  const held = new Set(logged)
  const lost = seqsOf(lines, 'ack').filter((seq) => seq > through && !held.has(seq))
  expect(lost).toEqual([])
  for (const n of seqsOf(lines, 'compacted')) expect(through).toBeGreaterThanOrEqual(n)
  // And it takes writes again.
  await store.append('crash', 'test', { dot: { origin: 'after', seq: 1 }, update: new Uint8Array([1]) })
  await store.close()
}

/** Whether the writer was killed with a compaction issued and not yet acknowledged. */
function killedMidCompaction(lines: string[]): boolean {
  const issued = seqsOf(lines, 'compacting')
  return issued.length > 0 && !seqsOf(lines, 'compacted').includes(issued[issued.length - 1] as number)
}

describe(`SIGKILL during appends and compactions (seed ${CRASH_SEED})`, () => {
  const plans: KillPlan[] = [
    ...KILL_DELAYS_MS.map((afterFirstAckMs) => ({ afterFirstAckMs })),
    ...KILL_ON_COMPACTING.map((onCompacting) => ({ onCompacting })),
  ]
  let midCompactionKills = 0

  for (const plan of plans) {
    it(`keeps every acknowledged write when killed ${JSON.stringify(plan)}`, async () => {
      const dir = await makeTempDir('crash')
      try {
        const path = join(dir, 'store')
        const lines = await runWriterUntilKilled(path, plan)
        if (killedMidCompaction(lines)) midCompactionKills++
        expect(seqsOf(lines, 'ack').length).toBeGreaterThan(0)
        await expectIntactAfterCrash(levelStore({ path }), lines)
      } finally {
        await removeTempDir(dir)
      }
    })
  }

  it('killed at least one writer with a compaction in flight', () => {
    expect(midCompactionKills).toBeGreaterThan(0)
  })
})

describe('a crash between any two batches', () => {
  it('every prefix of the batches written is a loadable store holding exactly their writes', async () => {
    const db = memoryLevel()
    const batches: BatchOp[][] = []
    const spied = db as unknown as { batch: (ops: BatchOp[], options?: object) => Promise<void> }
    const batch = spied.batch.bind(db)
    spied.batch = (ops, options) => {
      batches.push(ops)
      return batch(ops, options)
    }
    const store = memoryStore({ db, compactCount: 3 })
    await store.open()
    await writeLikeTheCrashWriter(store, 40)
    await store.close()

    const putSeqs = new Set<number>()
    for (let prefix = 0; prefix <= batches.length; prefix++) {
      const replayed = memoryLevel()
      for (const ops of batches.slice(0, prefix)) await replayed.batch(ops)
      for (const op of batches[prefix - 1] ?? []) {
        if (op.type === 'put' && op.key.includes('!log!')) putSeqs.add(Number(op.key.slice(-16)))
      }
      const after = memoryStore({ db: replayed })
      expect(await after.open()).toEqual({ corrupt: [] })
      const doc = await after.load('crash')
      const through = snapshotThrough(doc?.snapshot?.bytes)
      const held = [
        ...Array.from({ length: through }, (_, i) => i + 1),
        ...(doc?.updates ?? []).map((u) => u.dot.seq),
      ]
      expect(held).toEqual([...putSeqs].sort((a, b) => a - b))
      await after.close()
    }
    expect(batches.length).toBeGreaterThan(40)
  })
})

/** In-process twin of crash-writer.ts: `rounds` ticks of 8 appends, compactions not awaited. */
async function writeLikeTheCrashWriter(store: Store, rounds: number): Promise<void> {
  let lastSeq = 0
  const compactions: Promise<void>[] = []
  for (let round = 0; round < rounds; round++) {
    const results = await Promise.all(
      Array.from({ length: 8 }, () => {
        const seq = ++lastSeq
        return store.append('crash', 'test', {
          dot: { origin: 'writer', seq },
          update: new TextEncoder().encode(`update ${seq}`),
        })
      }),
    )
    if (results.some((r) => r.compactionDue)) {
      compactions.push(
        store.compact('crash', new TextEncoder().encode(`through ${lastSeq}\n`), { writer: lastSeq }),
      )
    }
  }
  await Promise.all(compactions)
}
