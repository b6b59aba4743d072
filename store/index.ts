/**
 * `isthmus/store`: where a node keeps its documents and metadata.
 *
 * `levelStore` (LevelDB on disk) is the default; `memoryStore` serves tests
 * and the simulator; `abstractLevelStore` runs on any abstract-level
 * database. All three are one implementation and pass `runStoreConformance`.
 */

/** The store over any abstract-level database, and its options. */
export {
  type AbstractLevelStoreOptions,
  abstractLevelStore,
  type StoreDbSource,
} from './abstract-level-store.ts'
/** The on-disk store (classic-level), and its options. */
export { type LevelStoreOptions, type LevelStoreSalvage, levelStore } from './classic-level-store.ts'
/** When `append` reports `compactionDue`: the policy's thresholds and its decision, as a pure function. */
export { type CompactionPolicy, compactionDue, type LogSize } from './compaction-policy.ts'
// (issue 8) `runStoreConformance` and its factory types are in `isthmus/store/conformance` only:
// the suite imports vitest, an optional peer dependency, which `isthmus/store` must not need.
/** The abstract-level database type a store runs on. */
export type { StoreDb } from './db.ts'
/** Errors a store raises; see each class. */
export {
  StoreClosedError,
  type StoreDamage,
  StoreDamagedError,
  StoreError,
  StoreFormatError,
  StoreInputError,
  StoreLimitError,
  StoreLockedError,
  StoreNotAStoreError,
} from './errors.ts'
/** Named bounds and defaults; see each constant for its reason. */
export {
  COMPACT_BYTES_DEFAULT,
  COMPACT_COUNT_DEFAULT,
  COMPACT_SNAPSHOT_RATIO_DEFAULT,
  DOC_NAME_LENGTH_MAX,
  META_KEY_LENGTH_MAX,
  RECORD_PAYLOAD_BYTES_MAX,
} from './limits.ts'
/** The in-memory store (memory-level), and its options. */
export { type MemoryStoreOptions, memoryLevel, memoryStore } from './memory-store.ts'
/** The store format version this release writes and reads. */
export { STORE_FORMAT_VERSION } from './payload.ts'
/** The Store interface and the types it speaks. */
export type {
  AppendResult,
  CorruptRecord,
  Dot,
  OpenReport,
  Store,
  StoredDoc,
  StoredUpdate,
  VersionVector,
} from './store.ts'
