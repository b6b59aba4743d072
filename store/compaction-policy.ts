/**
 * When a document's log is due for compaction (`AppendResult.compactionDue`).
 *
 * A compaction writes the whole document as a snapshot and deletes the log.
 * Doing it every fixed number of entries makes its cost grow with the
 * document: on the B4 trace, compacting every 1,000 entries wrote 370
 * snapshots of up to ~310 KB, 21.7x the update bytes. Instead the log may
 * grow to a fraction of the last snapshot's size, so each snapshot is paid
 * for by at least that many bytes of log: snapshots add at most
 * 1 / snapshotRatio bytes written per byte appended, however large the
 * document (the amortized argument of LSM trees). Two bounds around it: no
 * compaction below `bytesMin` (its fixed costs are not worth it for a small
 * log, which also loads fast), and always one past `countMax` entries (on
 * load each entry is one update to apply, and tiny updates on a big document
 * would otherwise pile up to snapshotRatio x snapshot / update size).
 */
import { strict as assert } from 'node:assert'

/** The thresholds; see the module comment and the defaults in `limits.ts`. */
export interface CompactionPolicy {
  /** Log bytes at or below which compaction is never due by size; the size threshold before the first snapshot. */
  bytesMin: number
  /** Due once the log holds more than this many times the bytes of the document's snapshot. */
  snapshotRatio: number
  /** Due once the log holds more than this many entries, whatever their bytes. */
  countMax: number
}

/** What the store knows of one document's log (sizes are of the stored records). */
export interface LogSize {
  entries: number
  bytes: number
  /** The snapshot record's bytes, 0 if the document has none. */
  snapshotBytes: number
}

/** Throws an assertion error for a policy that could never, or would always, be due. */
export function checkCompactionPolicy(policy: CompactionPolicy): void {
  assert(policy.bytesMin > 0, 'compactBytes must be positive')
  assert(policy.countMax > 0, 'compactCount must be positive')
  assert(policy.snapshotRatio > 0, 'compactSnapshotRatio must be positive')
}

/** Whether a log of `size` should be compacted now. */
export function compactionDue(size: LogSize, policy: CompactionPolicy): boolean {
  if (size.entries > policy.countMax) return true
  return size.bytes > Math.max(policy.bytesMin, policy.snapshotRatio * size.snapshotBytes)
}
