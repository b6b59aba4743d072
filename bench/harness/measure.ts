/**
 * Small measuring tools shared by the benchmarks: latency percentiles, bytes
 * passed to write(2) by this process, the size of a folder, temp folders.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** Latencies in ms, recorded into a preallocated array (no allocation on the hot path). */
export class LatencyRecorder {
  readonly #samplesMs: Float64Array
  #count = 0

  constructor(capacity: number) {
    this.#samplesMs = new Float64Array(capacity)
  }

  record(ms: number): void {
    if (this.#count < this.#samplesMs.length) this.#samplesMs[this.#count++] = ms
  }

  get count(): number {
    return this.#count
  }

  /** The p-th percentile (0..100), nearest rank. */
  percentileMs(p: number): number {
    if (this.#count === 0) return Number.NaN
    const sorted = this.#samplesMs.slice(0, this.#count).sort()
    const rank = Math.min(this.#count - 1, Math.max(0, Math.ceil((p / 100) * this.#count) - 1))
    return sorted[rank] ?? Number.NaN
  }
}

/** The median of a few repeated measurements. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  if (sorted.length === 0) return Number.NaN
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}

/**
 * Bytes this process (all its threads, so LevelDB's too) has passed to
 * write(2) and friends: `wchar` of /proc/self/io. Counts the WAL, table files
 * and LevelDB's own compactions. Null where /proc is missing.
 */
export function processWrittenBytes(): number | null {
  try {
    const io = readFileSync('/proc/self/io', 'utf8')
    const match = /^wchar:\s*(\d+)$/m.exec(io)
    return match?.[1] === undefined ? null : Number(match[1])
  } catch {
    return null
  }
}

/** Nearest-rank percentile (0..100) of `values`; NaN for none. */
export function percentile(values: ArrayLike<number>, p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = Array.from(values).sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number
}

/** Bytes this process wrote since `before` (a processWrittenBytes reading); null where /proc/self/io is not there. */
export function writtenBytesSince(before: number | null): number | null {
  const after = processWrittenBytes()
  return before === null || after === null ? null : after - before
}

/** The apparent size of every file under `path` (like `du -sb`). */
export function folderBytes(path: string): number {
  let total = 0
  for (const entry of readdirSync(path, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += statSync(join(entry.parentPath, entry.name)).size
  }
  return total
}

/** A fresh folder under the OS temp dir; `remove()` deletes it. */
export function tempFolder(prefix: string): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), `isthmus-bench-${prefix}-`))
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) }
}

/** Lets pending I/O callbacks and timers run (one macrotask turn). */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}
