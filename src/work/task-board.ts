/**
 * The task board in a replicated document: every task's events in one
 * document of the node's own (BOARD_DOC), indexed here by task and derived
 * (board-model.ts) whenever a task's events change, locally or from a peer.
 *
 * Representation: a Yjs document holding one flat Y.Map, `events`, from
 * `taskId/eventId` to the event (plain JSON). Chosen by measurement
 * (bench/work-board.ts: 1,000 tasks of four events each, both backends in
 * the same run, two runs): per event written, Yjs took 0.06-0.2 ms where
 * Automerge took 2.2-6.3 ms (30-35×); Automerge's updates were 2× larger
 * (296 B vs 146 B per event) and its heap 41-49× larger per task (79 KB vs
 * 1.6-1.9 KB); a board of finished tasks loaded 2.4-5.5× faster in Yjs.
 * Automerge's snapshot is smaller (175 B vs 543 B per task), so archiving
 * (DESIGN §4, a bounded board) matters more with Yjs, and is the next step.
 * At 10,000 finished tasks: 544 B of snapshot and ~3 KB of heap per task,
 * ~0.3-0.5 s to load the document and ~0.34 s more for this index to derive
 * every task at start.
 *
 * Why a flat map and not a map of task → list: two nodes that create one
 * task's list concurrently (an idempotency key submitted on both sides of a
 * partition) would each make their own, and a map keeps one value per key,
 * so the other list's events would vanish. With one key per event, the
 * union of two boards is the union of their events: distinct events have
 * distinct keys (content hashes), and the same event written twice is one key.
 * Nothing is ever deleted or overwritten, except that concurrent submissions
 * of one key share the key `id/submitted` (one of them stands everywhere).
 */
import type * as Y from 'yjs'
import type { DocHandle } from '../docs/doc-handle.ts'
import type { Logger } from '../env/types.ts'
import { deriveTask, type TaskState } from './board-model.ts'
import { TaskValueError } from './errors.ts'
import { isTaskEvent } from './task-event-check.ts'
import { eventId, TASK_ID_PATTERN, type TaskEvent } from './task-events.ts'
import { isTerminal } from './task-lifecycle.ts'

/**
 * The board's document name, the node's own (ID_PATTERN allows no '_' or
 * '/', so a namespace with ':'). Replicated like any document.
 */
export const BOARD_DOC = 'isthmus:tasks'
/** The Y.Map holding every event. */
const EVENTS_MAP = 'events'
/**
 * One event's JSON, at most: a payload, checkpoint or result larger than this
 * belongs in a document of its own (the board is loaded whole at every start).
 */
export const EVENT_BYTES_MAX = 1024 * 1024

/** Called with a task's new state after its events changed. */
export type BoardListener = (state: TaskState) => void

export class TaskBoard {
  readonly #handle: DocHandle<Y.Doc>
  readonly #map: Y.Map<unknown>
  readonly #log: Logger
  /** Events per task, by event id: the sets the states are derived from. */
  readonly #events = new Map<string, Map<string, TaskEvent>>()
  readonly #states = new Map<string, TaskState>()
  /** Tasks not terminal: what the runner scans on each view change. */
  readonly #active = new Set<string>()
  readonly #listeners = new Set<BoardListener>()
  #invalid = 0
  /** Tasks changed since listeners last heard (see #flush). */
  readonly #notify = new Set<string>()
  #notifyQueued = false

  constructor(handle: DocHandle<Y.Doc>, log: Logger) {
    this.#handle = handle
    this.#map = handle.ydoc.getMap(EVENTS_MAP)
    this.#log = log
    const all = new Set<string>()
    for (const key of this.#map.keys()) {
      const id = this.#index(key)
      if (id !== undefined) all.add(id)
    }
    for (const id of all) this.#derive(id)
    this.#map.observe(this.#onChange)
  }

  /** The derived state of one task, or undefined if its submission is not here. */
  state(id: string): TaskState | undefined {
    return this.#states.get(id)
  }

  /** Every task whose submission is here. */
  states(): IterableIterator<TaskState> {
    return this.#states.values()
  }

  /** Tasks not in a terminal status. */
  active(): TaskState[] {
    return [...this.#active].flatMap((id) => this.#states.get(id) ?? [])
  }

  /** Entries refused as malformed (a hostile or broken peer): counted, logged, never derived. */
  get invalidEntries(): number {
    return this.#invalid
  }

  /** Listens to every change of any task's state; returns the unsubscribe function. */
  subscribe(listener: BoardListener): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /**
   * Adds events to a task in one change; resolves once durable here. Events
   * already on the board are left as they are (no rewrite, no growth).
   * Throws TaskValueError for a value the board cannot store as JSON.
   */
  async write(taskId: string, events: readonly TaskEvent[]): Promise<void> {
    const entries = events.map((event) => {
      const stored = storable(event)
      return [`${taskId}/${eventId(stored)}`, stored] as const
    })
    await this.#handle.change((doc) => {
      const map = doc.getMap(EVENTS_MAP)
      for (const [key, event] of entries) if (!map.has(key)) map.set(key, event)
    })
  }

  /** Whether the board holds an event with this id for this task. */
  has(taskId: string, id: string): boolean {
    return this.#events.get(taskId)?.has(id) ?? false
  }

  stop(): void {
    this.#map.unobserve(this.#onChange)
    this.#listeners.clear()
  }

  readonly #onChange = (event: Y.YMapEvent<unknown>): void => {
    const changed = new Set<string>()
    for (const key of event.keysChanged) {
      const id = this.#index(key)
      if (id !== undefined) changed.add(id)
    }
    for (const id of changed) if (this.#derive(id) !== undefined) this.#notify.add(id)
    if (this.#notify.size > 0 && !this.#notifyQueued) {
      this.#notifyQueued = true
      queueMicrotask(this.#flush)
    }
  }

  /**
   * Listeners hear of changes a microtask later, never inside the Yjs
   * observer: a listener that writes (the runner claims, a user submits from
   * a `task` event) would otherwise open a transaction nested in the one
   * being cleaned up, whose update Yjs emits only after the outer one's, too
   * late for `change()` to capture it for the store.
   */
  readonly #flush = (): void => {
    this.#notifyQueued = false
    const ids = [...this.#notify]
    this.#notify.clear()
    for (const id of ids) {
      const state = this.#states.get(id)
      if (state === undefined) continue
      for (const listener of [...this.#listeners]) {
        try {
          listener(state)
        } catch (error) {
          // One listener's bug must not keep the others (the runner, result() waiters) from hearing.
          this.#log.log('error', 'task board listener threw', { task: id, error: String(error) })
        }
      }
    }
  }

  /** Reads one map entry into the index; returns its task id, or undefined if refused. */
  #index(key: string): string | undefined {
    const slash = key.indexOf('/')
    const taskId = key.slice(0, slash)
    const id = key.slice(slash + 1)
    const value = this.#map.get(key)
    if (slash < 0 || !TASK_ID_PATTERN.test(taskId) || (value !== undefined && !isTaskEvent(value))) {
      this.#invalid++
      this.#log.log('warn', 'task board: refused a malformed entry', { key: key.slice(0, 80) })
      return undefined
    }
    let events = this.#events.get(taskId)
    if (!events) {
      events = new Map()
      this.#events.set(taskId, events)
    }
    if (value === undefined) events.delete(id)
    else events.set(id, value as TaskEvent)
    return taskId
  }

  #derive(id: string): TaskState | undefined {
    let state: TaskState | undefined
    try {
      state = deriveTask((this.#events.get(id) ?? new Map()).values())
    } catch (error) {
      // A value no JSON holds (a BigInt, a runaway depth) from a hostile peer: the task stays as it was.
      this.#invalid++
      this.#log.log('warn', 'task board: cannot derive a task', { task: id, error: String(error) })
      return undefined
    }
    if (state === undefined) return undefined
    this.#states.set(id, state)
    if (isTerminal(state.status)) this.#active.delete(id)
    else this.#active.add(id)
    return state
  }
}

/** The event as the board stores it: plain JSON (as it reads back on every replica), bounded. */
function storable(event: TaskEvent): TaskEvent {
  let json: string
  try {
    json = JSON.stringify(event)
  } catch (error) {
    throw new TaskValueError(`a ${event.type} event cannot be stored as JSON: ${String(error)}`)
  }
  if (json.length > EVENT_BYTES_MAX)
    throw new TaskValueError(
      `a ${event.type} event is ${json.length} bytes of JSON; at most ${EVENT_BYTES_MAX}`,
    )
  return JSON.parse(json) as TaskEvent
}
