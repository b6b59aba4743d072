/**
 * The durable log of one document on one node: the one place that issues this
 * node's own dots, appends entries to the store, retries writes that failed,
 * and compacts. What it makes durable is always a prefix of what it was given:
 * a batch is written only after the batch before it landed, and a batch that
 * failed is written again, with whatever was added meanwhile, before anything
 * after it. So a crash, a full disk or a power loss can cost the newest
 * entries, never an earlier entry under a later one (which would leave the
 * later one waiting forever on a dependency nobody holds).
 *
 * States of the writer:
 *   idle      nothing queued, nothing in flight.
 *   writing   one batch in flight; entries added meanwhile queue for the next.
 *   failed    the last batch failed: its entries wait at the head of the
 *             queue for the retry timer (backing off), or for the next append,
 *             which tries at once.
 * Compaction runs only from idle, so the snapshot holds exactly what is
 * durable and `covers` (from the caller) claims nothing in flight.
 */
import type { Dot, Store } from '../../store/store.ts'
import type { Env, Timer } from '../env/types.ts'

/** One entry of the log: a dot (or none, for content that came through a sync exchange) and its update. */
export interface LogEntry {
  dot: Dot
  update: Uint8Array
}

/**
 * Entries written in one store batch at most: a batch is one LevelDB write,
 * and one too large to write holds every later entry back with it.
 */
export const LOG_BATCH_ENTRIES_MAX = 1024
/** Update bytes in one batch at most (the store's own group bound is 16 MiB). */
export const LOG_BATCH_BYTES_MAX = 8 * 1024 * 1024
/** First wait before a failed batch is written again; doubles per failure. */
export const LOG_RETRY_MS_MIN = 20
/** Longest wait between retries of a failed batch: a disk that came back is used within this. */
export const LOG_RETRY_MS_MAX = 5_000

export interface DocLogHooks {
  /** Entries are durable, in order. Called before any `append` promise of theirs resolves. */
  durable(entries: readonly LogEntry[]): void
  /** The snapshot to compact into, and the vector it covers; undefined to skip this compaction. */
  snapshot(): { bytes: Uint8Array; covers: Record<string, number> } | undefined
  /** A batch or a compaction failed (the batch will be retried; the log is kept). */
  failed(error: unknown, what: 'append' | 'compact'): void
}

interface Queued {
  entry: LogEntry
  waiters: Array<{ resolve: () => void; reject: (error: unknown) => void }>
}

export class DocLog {
  readonly #doc: string
  readonly #backend: string
  readonly #self: string
  readonly #store: Store
  readonly #env: Env
  readonly #hooks: DocLogHooks
  /** Entries waiting for the next batch (after a failure, the failed batch's entries come first). */
  #queued: Queued[] = []
  /** The batch in flight, if any. */
  #writing: Queued[] | undefined
  #flushArmed = false
  #retryTimer: Timer | undefined
  #retryMs = LOG_RETRY_MS_MIN
  #failure: unknown
  #compactDue = false
  #compacting: Promise<void> | undefined
  /** The highest seq of this node's own dots issued (durable or not): never issued again. */
  #ownSeq: number
  #stopped = false

  constructor(init: {
    doc: string
    backend: string
    self: string
    store: Store
    env: Env
    hooks: DocLogHooks
    /** The highest own seq the store shows was ever issued (its high-water mark, or what it holds). */
    ownSeq: number
  }) {
    this.#doc = init.doc
    this.#backend = init.backend
    this.#self = init.self
    this.#store = init.store
    this.#env = init.env
    this.#hooks = init.hooks
    this.#ownSeq = init.ownSeq
  }

  /** Issues the next dot of this node's own. */
  nextOwnDot(): Dot {
    return { origin: this.#self, seq: ++this.#ownSeq }
  }

  /** Someone shows a dot of ours we no longer remember issuing (a peer held it): never issue it again. */
  observeOwnSeq(seq: number): void {
    if (seq > this.#ownSeq) this.#ownSeq = seq
  }

  get ownSeq(): number {
    return this.#ownSeq
  }

  /** Entries not yet durable (queued, in flight, or waiting for a retry), plus a compaction under way. */
  get unsettled(): number {
    return this.#queued.length + (this.#writing?.length ?? 0) + (this.#compacting ? 1 : 0)
  }

  /** The last write failure, while its entries still wait for a retry. */
  get failure(): unknown {
    return this.#failure
  }

  /**
   * Queues `entry`; resolves once it (and everything before it) is durable.
   * Rejects if the batch carrying it fails: the entry stays queued and is
   * written by a later batch (the `durable` hook tells when), so a rejected
   * write is never half there: it is either made durable in order, or lost
   * with the process before anyone was told of it.
   */
  append(entry: LogEntry): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queued.push({ entry, waiters: [{ resolve, reject }] })
      this.#kick()
    })
  }

  /** Resolves once everything queued so far is durable; rejects if a batch carrying it fails. */
  flush(): Promise<void> {
    const last = this.#queued.at(-1) ?? this.#writing?.at(-1)
    if (!last) return this.#compacting ?? Promise.resolve()
    return new Promise((resolve, reject) => last.waiters.push({ resolve, reject }))
  }

  /** The store said the log has grown past its threshold: compact when next idle. */
  compactionDue(): void {
    this.#compactDue = true
    this.#maybeCompact()
  }

  /** Stops retrying (the node is stopping); queued entries stay unwritten. */
  stop(): void {
    this.#stopped = true
    this.#retryTimer?.cancel()
    this.#retryTimer = undefined
  }

  /** Starts a batch on the next microtask, so every entry added in this tick rides in it. */
  #kick(): void {
    if (this.#writing || this.#flushArmed || this.#stopped) return
    // A new write does not wait out a failed batch's backoff: the disk may be back.
    this.#retryTimer?.cancel()
    this.#retryTimer = undefined
    this.#flushArmed = true
    queueMicrotask(() => {
      this.#flushArmed = false
      this.#writeNext()
    })
  }

  #writeNext(): void {
    if (this.#writing || this.#queued.length === 0 || this.#stopped) return
    const batch = takeBatch(this.#queued)
    this.#writing = batch
    this.#store
      .append(
        this.#doc,
        this.#backend,
        batch.map((q) => q.entry),
      )
      .then(
        ({ compactionDue }) => this.#landed(batch, compactionDue),
        (error: unknown) => this.#batchFailed(batch, error),
      )
  }

  #landed(batch: Queued[], compactionDue: boolean): void {
    this.#writing = undefined
    this.#failure = undefined
    this.#retryMs = LOG_RETRY_MS_MIN
    if (compactionDue) this.#compactDue = true
    this.#hooks.durable(batch.map((q) => q.entry))
    for (const q of batch) for (const w of q.waiters) w.resolve()
    if (this.#queued.length > 0) this.#writeNext()
    else this.#maybeCompact()
  }

  #batchFailed(batch: Queued[], error: unknown): void {
    this.#writing = undefined
    this.#failure = error
    this.#hooks.failed(error, 'append')
    for (const q of batch) {
      for (const w of q.waiters) w.reject(error)
      q.waiters = []
    }
    // Back at the head of the queue: nothing after them may land first.
    this.#queued.unshift(...batch)
    if (this.#stopped) return
    const delayMs = this.#retryMs
    this.#retryMs = Math.min(LOG_RETRY_MS_MAX, this.#retryMs * 2)
    this.#retryTimer = this.#env.clock.setTimer(delayMs, () => {
      this.#retryTimer = undefined
      this.#writeNext()
    })
  }

  #maybeCompact(): void {
    if (!this.#compactDue || this.#compacting || this.#writing || this.#queued.length > 0) return
    if (this.#stopped) return
    const snapshot = this.#hooks.snapshot()
    if (!snapshot) return
    this.#compactDue = false
    const done = this.#store.compact(this.#doc, snapshot.bytes, snapshot.covers).then(
      () => undefined,
      (error: unknown) => this.#hooks.failed(error, 'compact'),
    )
    this.#compacting = done
    void done.then(() => {
      this.#compacting = undefined
    })
  }
}

/** The head of the queue, bounded by entry count and bytes (at least one entry). */
function takeBatch(queued: Queued[]): Queued[] {
  let bytes = 0
  let n = 0
  while (n < queued.length && n < LOG_BATCH_ENTRIES_MAX) {
    bytes += (queued[n] as Queued).entry.update.byteLength
    if (n > 0 && bytes > LOG_BATCH_BYTES_MAX) break
    n++
  }
  return queued.splice(0, n)
}
