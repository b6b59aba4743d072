/**
 * A small typed event emitter. A listener that throws is logged and skipped:
 * user code in a listener must never break replication or membership.
 */
import type { Logger } from './env/types.ts'
import { getOrCreate } from './get-or-create.ts'

// biome-ignore lint/suspicious/noExplicitAny: listener argument lists are checked per event name by the map type.
type EventMap = Record<string, (...args: any[]) => void>

/** Listeners per event: more than this on one event is a leak, as with Node's EventEmitter warning. */
export const LISTENERS_PER_EVENT_MAX = 1000

export class Emitter<E extends EventMap> {
  readonly #listeners = new Map<keyof E, Set<E[keyof E]>>()
  readonly #log: Logger

  constructor(log: Logger) {
    this.#log = log
  }

  on<K extends keyof E>(event: K, listener: E[K]): () => void {
    const set = getOrCreate(this.#listeners, event, () => new Set<E[keyof E]>())
    if (set.size >= LISTENERS_PER_EVENT_MAX)
      throw new RangeError(`more than ${LISTENERS_PER_EVENT_MAX} listeners`)
    set.add(listener)
    return () => this.off(event, listener)
  }

  off<K extends keyof E>(event: K, listener: E[K]): void {
    this.#listeners.get(event)?.delete(listener)
  }

  emit<K extends keyof E>(event: K, ...args: Parameters<E[K]>): void {
    const set = this.#listeners.get(event)
    if (!set) return
    for (const listener of [...set]) {
      try {
        listener(...args)
      } catch (error) {
        this.#log.log('error', 'event listener threw', { event: String(event), error: String(error) })
      }
    }
  }
}
