/**
 * The isthmus pieces the benchmarks drive, opened the way a node opens them:
 * backends with a seeded Random (replica ids), a levelStore on disk.
 */
import {
  type AutomergeBackend,
  applyUpdatesIsolating,
  createAutomergeBackend,
  createYjsBackend,
  type YjsBackend,
} from '../../crdt/index.ts'
import { seededRandom } from '../../src/env/index.ts'
import { levelStore, type Store } from '../../store/index.ts'

export type { AutomergeBackend, YjsBackend }
/** How a node applies a stored log tail (src/docs/doc-registry.ts). */
export { applyUpdatesIsolating }

/** Fixed, so every run draws the same replica ids. */
const BENCH_SEED = 0x15_7a_05

let backendsOpened = 0

/** A fresh seeded Random per backend, so two backends in one run never share a replica id. */
function nextRandom() {
  backendsOpened += 1
  return seededRandom(BENCH_SEED + backendsOpened)
}

/** A Yjs replica, loaded from `snapshot` when given. */
export function openYjsBackend(snapshot?: Uint8Array): YjsBackend {
  return createYjsBackend(
    snapshot === undefined ? { random: nextRandom() } : { random: nextRandom(), snapshot },
  )
}

/** An Automerge replica, loaded from `snapshot` when given. */
export function openAutomergeBackend(snapshot?: Uint8Array): AutomergeBackend {
  return createAutomergeBackend(
    snapshot === undefined ? { random: nextRandom() } : { random: nextRandom(), snapshot },
  )
}

/** A levelStore at `path` with the default (non-fsync) durability: a resolved write survives a process crash. */
export function openLevelStore(path: string): Store {
  return levelStore({ path })
}
