/**
 * The part of y-leveldb's API the benchmarks use. Its package ships types,
 * but its `exports` map gives them no `types` condition, so `nodenext`
 * resolution cannot find them.
 */
declare module 'y-leveldb' {
  export class LeveldbPersistence {
    constructor(location: string, options?: { levelOptions?: Record<string, unknown> })
    /** Appends one update to the document's log; resolves with its clock once written. */
    storeUpdate(docName: string, update: Uint8Array): Promise<number>
    /** Closes the database. */
    destroy(): Promise<void>
  }
}
