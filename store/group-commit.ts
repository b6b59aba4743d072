/**
 * Group commit over one ordered chain of writes.
 *
 * Writes issued while no batch is open start one and queue its flush on the
 * chain; writes issued before that flush starts join it. When the chain is
 * idle the flush runs on the next microtask, so everything issued in the same
 * tick shares one `db.batch`; when a batch is still being written, the next
 * one keeps collecting until it is its turn, so a busy store writes fewer,
 * larger batches. Every write waits for the one before it: a later batch never
 * lands before an earlier one, whatever the backend does with concurrent
 * batches. A failed batch rejects every promise in it and the chain goes on.
 *
 * No timers: the flush point is a promise continuation, so the simulator's
 * virtual time and the real world batch the same way.
 */
import { GROUP_BYTES_MAX, GROUP_OPS_MAX } from './limits.ts'

/** One operation of a batch, as abstract-level takes it. */
export type BatchOp = { type: 'put'; key: string; value: Uint8Array } | { type: 'del'; key: string }

/**
 * A put that speaks for the whole batch (a document's high-water mark): one
 * per key per batch, the last one added wins, its value encoded only when the
 * batch is written.
 */
export interface KeyedPut {
  key: string
  value: () => Uint8Array
}

interface Group {
  ops: BatchOp[]
  keyed: Map<string, () => Uint8Array>
  bytes: number
  done: Promise<void>
}

const ignore = (): void => {}

export class GroupCommitQueue {
  /** Settles when every write queued so far has settled; never rejects. */
  private tail: Promise<void> = Promise.resolve()
  /** The batch still taking writes, if any. */
  private open: Group | undefined
  private readonly write: (ops: BatchOp[]) => Promise<void>

  /** `write` commits one batch atomically (e.g. `ops => db.batch(ops, { sync })`). */
  constructor(write: (ops: BatchOp[]) => Promise<void>) {
    this.write = write
  }

  /**
   * Adds `ops` (carrying `bytes` of values) to the open batch, and `keyed`
   * (replacing an earlier put of the same key in that batch); resolves once
   * that batch is written.
   */
  add(ops: BatchOp[], bytes: number, keyed?: KeyedPut): Promise<void> {
    let group = this.open
    if (!group || group.ops.length + ops.length > GROUP_OPS_MAX || group.bytes + bytes > GROUP_BYTES_MAX) {
      group = this.startGroup()
    }
    group.ops.push(...ops)
    group.bytes += bytes
    if (keyed) group.keyed.set(keyed.key, keyed.value)
    return group.done
  }

  /**
   * Writes `ops` as a batch of their own: after every write added before this
   * call, before every write added after it (the open batch is closed first).
   * Unlike `runAlone`, nothing waits on it but the chain's own order. Not
   * split by GROUP_OPS_MAX: the caller bounds it (a compaction: one delete
   * per log entry).
   */
  addAlone(ops: BatchOp[], bytes: number): Promise<void> {
    const group = this.startGroup()
    group.ops = ops
    group.bytes = bytes
    this.open = undefined
    return group.done
  }

  /**
   * Runs `job` alone on the chain: after every write added before this call,
   * before every write added after it (the open batch is closed first).
   */
  runAlone<T>(job: () => Promise<T>): Promise<T> {
    this.open = undefined
    const result = this.tail.then(job)
    this.tail = result.then(ignore, ignore)
    return result
  }

  /** Resolves once every write queued so far has settled. */
  idle(): Promise<void> {
    return this.tail
  }

  private startGroup(): Group {
    let resolve = ignore
    let reject: (err: unknown) => void = ignore
    const done = new Promise<void>((res, rej) => {
      resolve = res
      reject = rej
    })
    const group: Group = { ops: [], keyed: new Map(), bytes: 0, done }
    this.open = group
    this.tail = this.tail.then(async () => {
      // From here on the batch is fixed: later writes start the next one.
      if (this.open === group) this.open = undefined
      try {
        for (const [key, value] of group.keyed) group.ops.push({ type: 'put', key, value: value() })
        await this.write(group.ops)
        resolve()
      } catch (err) {
        reject(err)
      }
    })
    return group
  }
}
