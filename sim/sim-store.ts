/**
 * The store one node incarnation sees: the node's durable store behind a
 * crash fence, with an optional sync delay.
 *
 * With `syncMs` 0 (the default) writes go straight through, so calls that
 * only need the local store resolve without virtual time passing. With
 * `syncMs` > 0 a write is held until a sync event `syncMs` later, then
 * written (writes held together are issued together, so the store groups them
 * into one batch) and acknowledged; until then it is "unsynced". A crash
 * either lets the held writes reach the store (a process crash: the kernel
 * had them) or drops them (`loseUnsynced`: a machine crash). Reads go straight
 * through and do not see held writes. After a crash nothing the dead
 * incarnation calls ever settles.
 */
import type { Store } from '../store/store.ts'
import type { Scheduler } from './scheduler.ts'

/** A node incarnation's store, with the hook the simulation calls when the process dies. */
export interface FencedStore extends Store {
  /** The process died: settle nothing again; drop held writes if `loseUnsynced`, else write them. */
  crash(loseUnsynced: boolean): void
}

interface HeldWrite {
  issue(): Promise<unknown>
  resolve(value: unknown): void
  reject(error: unknown): void
}

/** Writes one incarnation may hold unsynced: a node writing this much per sync interval is runaway. */
export const heldWritesMax = 100_000

const never = new Promise<never>(() => {})

export function fencedStore(inner: Store, scheduler: Scheduler, node: string, syncMs: number): FencedStore {
  let dead = false
  let held: HeldWrite[] = []

  const flush = (): boolean => {
    const batch = held
    held = []
    for (const write of batch) write.issue().then(write.resolve, write.reject)
    return batch.length > 0
  }

  function write<T>(issue: () => Promise<T>): Promise<T> {
    if (dead) return never
    if (syncMs <= 0) return guard(issue())
    if (held.length >= heldWritesMax)
      return Promise.reject(new Error(`store ${node}: ${heldWritesMax} writes unsynced`))
    if (held.length === 0) scheduler.schedule(scheduler.nowMs + syncMs, 'store', node, flush)
    return guard(
      new Promise<T>((resolve, reject) => {
        held.push({ issue, resolve: resolve as (value: unknown) => void, reject })
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

  return {
    open: () => read(() => inner.open()),
    close: () => read(() => inner.close()),
    append: (doc, backend, entry) => write(() => inner.append(doc, backend, entry)),
    compact: (doc, snapshot, covers) => write(() => inner.compact(doc, snapshot, covers)),
    putMeta: (key, value) => write(() => inner.putMeta(key, value)),
    load: (doc) => read(() => inner.load(doc)),
    docs: () => read(() => inner.docs()),
    getMeta: (key) => read(() => inner.getMeta(key)),
    crash(loseUnsynced) {
      dead = true
      if (!loseUnsynced) flush()
      held = []
    },
  }
}
