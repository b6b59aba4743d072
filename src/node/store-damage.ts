/**
 * What the store lost, as the node tells it: documents loaded with less than
 * was durable (counted and logged as each loads), then once start() has
 * loaded them all, every record the store skipped, in one `corrupt` event and
 * one log line.
 */
import type { OpenReport } from '../../store/store.ts'
import type { DocDamage } from '../docs/restore-claims.ts'
import type { Logger } from '../env/types.ts'
import type { StoreDamageReport } from './node-events.ts'

/**
 * The store's key of a metadata record, as its OpenReport names a corrupt one
 * (store/keys.ts; src/ sees the store only through its interface).
 */
export const metaRecordKey = (name: string): string => `meta!${name}`

/** Whether the store skipped the metadata record `name` as corrupt when it opened. */
export function metaRecordCorrupt(report: OpenReport, name: string): boolean {
  return report.corrupt.some((r) => r.key === metaRecordKey(name))
}

/** Where damage is told: the node's metrics, log and `corrupt` event. */
export interface DamageSinks {
  count(name: string, value: number): void
  log: Logger
  emit(report: StoreDamageReport): void
}

export class StoreDamage {
  readonly #sinks: DamageSinks
  /** Documents found damaged while loading (reported once start() has loaded them all). */
  #documents: DocDamage[] = []

  constructor(sinks: DamageSinks) {
    this.#sinks = sinks
  }

  /** A new start: nothing found yet. */
  reset(): void {
    this.#documents = []
  }

  /** A document loaded with less than was durable. */
  document(damage: DocDamage): void {
    this.#sinks.count('storeRecordsLost', damage.unreadableEntries)
    this.#documents.push(damage)
    this.#sinks.log.log(
      'warn',
      'document loaded with less than was durable; claims withdrawn, fetching from peers',
      {
        ...damage,
      },
    )
  }

  /** Once the documents are loaded: what the store lost, in one event and one log line. */
  report(report: OpenReport): void {
    if (report.corrupt.length === 0 && this.#documents.length === 0 && !report.salvaged) return
    // Every record the store skipped (documents' and metadata), and what LevelDB's salvage dropped;
    // entries it read but the backend could not count in `document`.
    this.#sinks.count('storeRecordsLost', report.corrupt.length + (report.salvaged?.recordsDropped ?? 0))
    this.#sinks.log.log('warn', 'store skipped corrupt records', {
      count: report.corrupt.length,
      documents: this.#documents.map((d) => d.doc),
    })
    this.#sinks.emit({ ...report, documents: [...this.#documents] })
  }
}
