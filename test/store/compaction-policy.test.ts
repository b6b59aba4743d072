/**
 * When compaction is due: past a fraction of the last snapshot's bytes (so
 * snapshots cost a bounded share of the bytes written, however large the
 * document), never below a floor, and always past a count of entries.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type CompactionPolicy, compactionDue } from '../../store/compaction-policy.ts'
import {
  COMPACT_BYTES_DEFAULT,
  COMPACT_COUNT_DEFAULT,
  COMPACT_SNAPSHOT_RATIO_DEFAULT,
} from '../../store/limits.ts'
import { memoryLevel, memoryStore } from '../../store/memory-store.ts'

const defaults: CompactionPolicy = {
  bytesMin: COMPACT_BYTES_DEFAULT,
  countMax: COMPACT_COUNT_DEFAULT,
  snapshotRatio: COMPACT_SNAPSHOT_RATIO_DEFAULT,
}

describe('compactionDue', () => {
  const policy: CompactionPolicy = { bytesMin: 1000, countMax: 100, snapshotRatio: 2 }

  it('waits for the floor without a snapshot, and for ratio x snapshot above it', () => {
    expect(compactionDue({ entries: 10, bytes: 1000, snapshotBytes: 0 }, policy)).toBe(false)
    expect(compactionDue({ entries: 10, bytes: 1001, snapshotBytes: 0 }, policy)).toBe(true)
    expect(compactionDue({ entries: 10, bytes: 1001, snapshotBytes: 400 }, policy)).toBe(true)
    expect(compactionDue({ entries: 10, bytes: 6000, snapshotBytes: 3000 }, policy)).toBe(false)
    expect(compactionDue({ entries: 10, bytes: 6001, snapshotBytes: 3000 }, policy)).toBe(true)
  })

  it('is due past countMax entries, however small', () => {
    expect(compactionDue({ entries: 100, bytes: 100, snapshotBytes: 1e9 }, policy)).toBe(false)
    expect(compactionDue({ entries: 101, bytes: 101, snapshotBytes: 1e9 }, policy)).toBe(true)
  })

  it('keeps snapshot bytes written within 1/ratio of the log bytes, for any growth of the document', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 20, max: 2000 }),
        fc.double({ min: 0.05, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 4 }),
        (recordBytes, snapshotPerLogByte, ratio) => {
          // A document whose snapshot grows by `snapshotPerLogByte` per byte appended (merging makes it less than 1).
          const policy: CompactionPolicy = {
            bytesMin: 64 * 1024,
            countMax: Number.MAX_SAFE_INTEGER,
            snapshotRatio: ratio,
          }
          let log = { entries: 0, bytes: 0, snapshotBytes: 0 }
          let appended = 0
          let snapshotsWritten = 0
          while (appended < 50e6) {
            log = { ...log, entries: log.entries + 1, bytes: log.bytes + recordBytes }
            appended += recordBytes
            if (compactionDue(log, policy)) {
              const snapshotBytes = Math.ceil(appended * snapshotPerLogByte)
              snapshotsWritten += snapshotBytes
              log = { entries: 0, bytes: 0, snapshotBytes }
            }
          }
          // Each snapshot is the one before plus its growth, and the log before
          // it held more than ratio x the one before: summed, the growth
          // telescopes to the last snapshot's size.
          const lastSnapshotBytes = Math.ceil(appended * snapshotPerLogByte)
          expect(snapshotsWritten).toBeLessThanOrEqual(appended / ratio + lastSnapshotBytes)
        },
      ),
      { numRuns: 50 },
    )
  })

  it('defaults: a B4-sized Yjs log is compacted after ~5,000 entries, not 1,000', () => {
    // B4 on Yjs: ~55-byte records on a snapshot of up to ~310 KB.
    const size = (entries: number) => ({ entries, bytes: entries * 55, snapshotBytes: 310_000 })
    expect(compactionDue(size(1001), defaults)).toBe(false)
    expect(compactionDue(size(4500), defaults)).toBe(false)
    expect(compactionDue(size(5700), defaults)).toBe(true)
  })
})

describe('the store reports compactionDue by the policy', () => {
  it('against the last snapshot it wrote, and after reopening', async () => {
    const db = memoryLevel()
    const options = { db, compactBytes: 1000, compactCount: 1000, compactSnapshotRatio: 1 }
    const store = memoryStore(options)
    await store.open()
    // Records of 114 bytes: header 5, kind 1, "yjs" 1 + 3, "n1" 1 + 2, seq 1 (a varint under 128), update 100.
    const update = new Uint8Array(100)
    const append = (seq: number) => store.append('d', 'yjs', { dot: { origin: 'n1', seq }, update })
    let seq = 0
    while (!(await append(++seq)).compactionDue) expect(seq).toBeLessThan(100)
    expect(seq).toBe(Math.floor(1000 / 114) + 1) // past the floor
    // A snapshot record of 5,016 bytes: header 5, kind 1, "yjs" 1 + 3, seq 1, covers 1 + (1 + 2 + 1), 5,000.
    await store.compact('d', new Uint8Array(5000), { n1: seq })
    const compactedAt = seq
    while (!(await append(++seq)).compactionDue) expect(seq).toBeLessThan(1000)
    expect(seq - compactedAt).toBe(Math.floor(5016 / 114) + 1) // past 1 x the snapshot
    await store.close()

    const reopened = memoryStore(options)
    await reopened.open()
    expect(
      (await reopened.append('d', 'yjs', { dot: { origin: 'n1', seq: ++seq }, update })).compactionDue,
    ).toBe(true)
    await reopened.close()
  })
})
