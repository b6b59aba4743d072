/**
 * The store one node incarnation sees: the node's durable store behind a
 * crash fence, with an optional sync delay.
 *
 * With `syncMs` 0 (the default) writes go straight through, so calls that
 * only need the local store resolve without virtual time passing. With
 * `syncMs` > 0 a write is held until a sync event `syncMs` later, then
 * written (writes held together are issued together, so the store groups them
 * into one batch) and acknowledged; until then it is "unsynced". A process
 * crash lets the held writes reach the store (the kernel had them). A power
 * loss (`lose: 'unsynced'`) follows FoundationDB's non-durable file model:
 * each held write, drawn from the seed, survives or vanishes, and the last
 * one, if it is an append, may instead come back torn (written, one byte
 * flipped). Nothing acknowledged is touched: held writes never resolved, and
 * only an append (a new key, never an overwrite) is ever torn. Reads go
 * straight through and do not see held writes. After a crash nothing the dead
 * incarnation calls ever settles.
 */
import type { Random } from '../src/env/types.ts'
import type { Store } from '../store/store.ts'
import type { Scheduler } from './scheduler.ts'

/** What a power loss did to the unsynced writes. */
export interface CrashOutcome {
  survived: number
  vanished: number
  /** The document whose last unsynced append came back torn. */
  tornDoc?: string
  /** Surviving writes whose batch failed anyway (an armed `failWrites`): unacknowledged, so nothing is lost. */
  failed: number
}

/** How a crash treats writes not yet synced. */
export type CrashLoss = { lose: 'none' } | { lose: 'unsynced'; random: Random }

/** A node incarnation's store, with the hook the simulation calls when the process dies. */
export interface FencedStore extends Store {
  /** The process died: settle nothing again; apply `loss` to held writes. Resolves once what survives is written. */
  crash(loss: CrashLoss): Promise<CrashOutcome>
}

type WriteKind = 'append' | 'compact' | 'putMeta'

interface HeldWrite {
  kind: WriteKind
  doc: string | undefined
  issue(): Promise<unknown>
  resolve(value: unknown): void
  reject(error: unknown): void
}

/** Writes one incarnation may hold unsynced: a node writing this much per sync interval is runaway. */
export const HELD_WRITES_MAX = 100_000

const never = new Promise<never>(() => {})

/** The fate of one unsynced write at a power loss. */
type Fate = 'survive' | 'vanish' | 'torn'

function drawFate(write: HeldWrite, last: boolean, random: Random): Fate {
  const x = random.next()
  if (last && write.kind === 'append') return x < 1 / 3 ? 'survive' : x < 2 / 3 ? 'vanish' : 'torn'
  return x < 0.5 ? 'survive' : 'vanish'
}

export function fencedStore(inner: Store, scheduler: Scheduler, node: string, syncMs: number): FencedStore {
  let dead = false
  let held: HeldWrite[] = []

  const flush = (): boolean => {
    const batch = held
    held = []
    for (const write of batch) write.issue().then(write.resolve, write.reject)
    return batch.length > 0
  }

  function write<T>(kind: WriteKind, doc: string | undefined, issue: () => Promise<T>): Promise<T> {
    if (dead) return never
    if (syncMs <= 0) return guard(issue())
    if (held.length >= HELD_WRITES_MAX)
      return Promise.reject(new Error(`store ${node}: ${HELD_WRITES_MAX} writes unsynced`))
    if (held.length === 0) scheduler.schedule(scheduler.nowMs + syncMs, 'store', node, flush)
    return guard(
      new Promise<T>((resolve, reject) => {
        held.push({ kind, doc, issue, resolve: resolve as (value: unknown) => void, reject })
      }),
    )
  }

  /** A dead incarnation never hears back, even from a call that was under way when it died. */
  function guard<T>(promise: Promise<T>): Promise<T> {
    return promise.then(
      (value) => (dead ? never : value),
      (error: unknown) => (dead ? never : Promise.reject(error)),
    )
  }

  const read = <T>(call: () => Promise<T>): Promise<T> => (dead ? never : guard(call()))

  /** Issues the held writes a power loss spares; counts what happened to each. */
  async function powerLoss(writes: HeldWrite[], random: Random): Promise<CrashOutcome> {
    const outcome: CrashOutcome = { survived: 0, vanished: 0, failed: 0 }
    const issued: Array<Promise<unknown>> = []
    let tornDoc: string | undefined
    writes.forEach((w, i) => {
      const fate = drawFate(w, i === writes.length - 1, random)
      if (fate === 'vanish') {
        outcome.vanished++
        return
      }
      outcome.survived++
      if (fate === 'torn') tornDoc = w.doc
      issued.push(w.issue())
    })
    const settled = await Promise.allSettled(issued)
    outcome.failed = settled.filter((s) => s.status === 'rejected').length
    // Torn only if the append really landed: else the newest log record is an older one, maybe acknowledged.
    if (tornDoc !== undefined && settled.at(-1)?.status === 'fulfilled') outcome.tornDoc = tornDoc
    return outcome
  }

  return {
    open: () => read(() => inner.open()),
    close: () => read(() => inner.close()),
    append: (doc, backend, entry) => write('append', doc, () => inner.append(doc, backend, entry)),
    compact: (doc, snapshot, covers) => write('compact', doc, () => inner.compact(doc, snapshot, covers)),
    putMeta: (key, value) => write('putMeta', undefined, () => inner.putMeta(key, value)),
    load: (doc) => read(() => inner.load(doc)),
    docs: () => read(() => inner.docs()),
    getMeta: (key) => read(() => inner.getMeta(key)),
    async crash(loss) {
      dead = true
      const writes = held
      held = []
      if (loss.lose === 'unsynced') return powerLoss(writes, loss.random)
      const settled = await Promise.allSettled(writes.map((w) => w.issue()))
      const failed = settled.filter((s) => s.status === 'rejected').length
      return { survived: writes.length, vanished: 0, failed }
    },
  }
}
