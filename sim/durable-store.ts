/**
 * A simulated node's durable store: a memory-level database the simulator
 * keeps a handle to, and the isthmus Store over it. Holding the raw database
 * is what lets the simulator fail storage the way FoundationDB's and
 * TigerBeetle's simulators do, at the bytes rather than at the API:
 *
 *   - `failWrites`: the next n `db.batch` calls (one group-committed batch of
 *     appends, compactions and metadata writes) reject with `StoreWriteError`
 *     and write nothing, as a full disk or an EIO would;
 *   - `tearLastLog`: the newest log record of a document comes back with one
 *     byte flipped (a torn write surfaced after a power loss);
 *   - `records` / `flipByte`: read and rot individual records while the node
 *     is down (`sim.corrupt`, see corruption.ts for which records qualify).
 */
import type { MemoryLevel } from 'memory-level'
import type { Random } from '../src/env/types.ts'
import type { AbstractLevelStoreOptions } from '../store/abstract-level-store.ts'
import { docRange, parseKey } from '../store/keys.ts'
import { memoryLevel, memoryStore } from '../store/memory-store.ts'
import type { Store } from '../store/store.ts'
import { StoreWriteError } from './errors.ts'

/** Compaction thresholds of the simulated store (see store/abstract-level-store.ts). */
export type SimStoreOptions = Pick<
  AbstractLevelStoreOptions,
  'compactCount' | 'compactBytes' | 'compactSnapshotRatio'
>

/** A node's durable store; `db` is absent when the caller supplied its own Store (no byte-level faults then). */
export interface DurableStore {
  readonly store: Store
  readonly db: MemoryLevel<string, Uint8Array> | undefined
  /** Arms `n` more failing write batches. */
  failWrites(n: number): void
  /** Write batches still armed to fail. */
  readonly failingWrites: number
  /** Failed batches so far (each was injected). */
  readonly failedWrites: number
}

/** Failing batches armed at once on one node: more is a plan bug, not a disk. */
export const FAIL_WRITES_MAX = 10_000

/** The default durable store: memory-level with the given compaction thresholds, faults wired in. */
export function simDurableStore(options: SimStoreOptions = {}): DurableStore {
  const db = memoryLevel()
  let failing = 0
  let failed = 0
  const batch = db.batch.bind(db) as (...args: unknown[]) => Promise<void>
  // Wrapped on the instance: the store's group commit calls `db.batch(ops, options)` once per batch.
  Object.defineProperty(db, 'batch', {
    value: (...args: unknown[]) => {
      if (failing > 0 && Array.isArray(args[0])) {
        failing--
        failed++
        return Promise.reject(new StoreWriteError('injected: disk full'))
      }
      return batch(...args)
    },
  })
  return {
    store: memoryStore({ ...options, db }),
    db,
    failWrites(n) {
      failing = Math.min(FAIL_WRITES_MAX, failing + n)
    },
    get failingWrites() {
      return failing
    },
    get failedWrites() {
      return failed
    },
  }
}

/** Wraps a caller-supplied Store: no raw database, so write failures and rot cannot be injected. */
export function opaqueDurableStore(store: Store): DurableStore {
  return {
    store,
    db: undefined,
    failWrites() {},
    failingWrites: 0,
    failedWrites: 0,
  }
}

/** Every record of `db` as [key, bytes], in key order. */
export async function records(db: MemoryLevel<string, Uint8Array>): Promise<Array<[string, Uint8Array]>> {
  return (await db.iterator().all()) as Array<[string, Uint8Array]>
}

/** Flips one byte of the record at `key` (position and mask drawn from `random`); returns the position. */
export async function flipByte(
  db: MemoryLevel<string, Uint8Array>,
  key: string,
  random: Random,
): Promise<number | undefined> {
  const value = await db.get(key)
  if (value === undefined || value.byteLength === 0) return undefined
  const bytes = value.slice()
  const at = Math.floor(random.next() * bytes.byteLength)
  // A non-zero mask, so the byte really changes.
  bytes[at] = (bytes[at] as number) ^ (1 + Math.floor(random.next() * 255))
  await db.put(key, bytes)
  return at
}

/** Flips a byte in the newest log record of `doc` (the torn tail of a power loss); returns its key. */
export async function tearLastLog(
  db: MemoryLevel<string, Uint8Array>,
  doc: string,
  random: Random,
): Promise<string | undefined> {
  const keys = (await db.keys(docRange(doc)).all()) as string[]
  const last = keys.filter((key) => parseKey(key)?.kind === 'log').at(-1)
  if (last === undefined) return undefined
  await flipByte(db, last, random)
  return last
}
