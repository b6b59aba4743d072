/**
 * The in-memory store: memory-level, for tests and the simulator.
 */
import { MemoryLevel } from 'memory-level'
import { type AbstractLevelStoreOptions, abstractLevelStore } from './abstract-level-store.ts'
import type { Store } from './store.ts'

/** Options of `memoryStore`. */
export interface MemoryStoreOptions extends AbstractLevelStoreOptions {
  /**
   * The database to keep the data in; by default a new one. Pass the same one
   * to a later `memoryStore` to model a restart: the new store sees exactly
   * what the old one had written. Create it with `memoryLevel()`.
   */
  db?: MemoryLevel<string, Uint8Array>
}

/** A memory-level database with the encodings a store needs. */
export function memoryLevel(): MemoryLevel<string, Uint8Array> {
  return new MemoryLevel<string, Uint8Array>({ keyEncoding: 'utf8', valueEncoding: 'view' })
}

/**
 * A Store held in memory. `close()` then `open()` rebuilds its index from the
 * data, as a restart would; the data itself lives as long as the database.
 */
export function memoryStore(options: MemoryStoreOptions = {}): Store {
  return abstractLevelStore(options.db ?? memoryLevel(), options)
}
