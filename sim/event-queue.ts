/**
 * The one event queue of a simulation: a binary min-heap ordered by virtual
 * time, then by sequence number (the order events were scheduled in), so two
 * events at the same instant always run in the same order.
 */
import { SimulationLimitError } from './errors.ts'

/** What an event is, for quiet detection and traces. */
export type EventKind = 'timer' | 'deliver' | 'notify' | 'link' | 'fault' | 'node' | 'op' | 'store' | 'resume'

/** One scheduled event. Only the scheduler sets its time and order keys (a pause moves an event later). */
export interface SimEvent {
  timeMs: number
  seq: number
  /** Orders events that share a seq: a resumed node's held events replay right after their resume event. */
  sub: number
  readonly kind: EventKind
  /** The node whose process runs it (a paused node defers it); undefined for the world (faults, links). */
  readonly node: string | undefined
  /** Set by `cancel`: the event stays in the heap (lazy deletion) and is skipped when popped. */
  canceled: boolean
  /** Runs the event. Returns true if node code ran, so the loop must let promises settle. */
  run(): boolean
}

/**
 * Events queued at once. A protocol that schedules faster than time passes
 * (a timer storm, a message echo) reaches this in seconds and fails loudly
 * instead of eating memory; a sound 100-node run stays far below it.
 */
export const EVENTS_QUEUED_MAX_DEFAULT = 2_000_000

function before(a: SimEvent, b: SimEvent): boolean {
  if (a.timeMs !== b.timeMs) return a.timeMs < b.timeMs
  return a.seq < b.seq || (a.seq === b.seq && a.sub < b.sub)
}

/** A binary min-heap of events by (timeMs, seq). */
export class EventQueue {
  readonly #heap: SimEvent[] = []
  readonly #eventsQueuedMax: number

  constructor(eventsQueuedMax: number = EVENTS_QUEUED_MAX_DEFAULT) {
    this.#eventsQueuedMax = eventsQueuedMax
  }

  get size(): number {
    return this.#heap.length
  }

  push(event: SimEvent): void {
    const heap = this.#heap
    if (heap.length >= this.#eventsQueuedMax) {
      throw new SimulationLimitError(
        'eventsQueuedMax',
        `${heap.length} events queued at ${event.timeMs} ms (last kind ${event.kind})`,
      )
    }
    heap.push(event)
    this.#siftUp(heap.length - 1)
  }

  /** The earliest event, without removing it. */
  peek(): SimEvent | undefined {
    return this.#heap[0]
  }

  /** Removes and returns the earliest event. */
  pop(): SimEvent | undefined {
    const heap = this.#heap
    const top = heap[0]
    const last = heap.pop()
    if (top === undefined || last === undefined) return undefined
    if (heap.length > 0) {
      heap[0] = last
      this.#siftDown(0)
    }
    return top
  }

  #siftUp(start: number): void {
    const heap = this.#heap
    const item = heap[start] as SimEvent
    let i = start
    while (i > 0) {
      const parentIndex = (i - 1) >> 1
      const parent = heap[parentIndex] as SimEvent
      if (!before(item, parent)) break
      heap[i] = parent
      i = parentIndex
    }
    heap[i] = item
  }

  #siftDown(start: number): void {
    const heap = this.#heap
    const n = heap.length
    const item = heap[start] as SimEvent
    let i = start
    for (;;) {
      const left = 2 * i + 1
      if (left >= n) break
      const right = left + 1
      let child = left
      if (right < n && before(heap[right] as SimEvent, heap[left] as SimEvent)) child = right
      const childEvent = heap[child] as SimEvent
      if (!before(childEvent, item)) break
      heap[i] = childEvent
      i = child
    }
    heap[i] = item
  }
}
