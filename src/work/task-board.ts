/**
 * The task board in a replicated document: every task's events in one
 * document of the node's own (BOARD_DOC), indexed here by task and derived
 * (board-model.ts) whenever a task's events change, locally or from a peer.
 *
 * Representation: a Yjs document holding one flat Y.Map, `events`, from
 * `taskId/eventId` to the event (plain JSON). Chosen by measurement
 * (bench/04-work-takeover/board-cost.ts: 1,000 tasks of four events each, both backends in
 * the same run, two runs): per event written, Yjs took 0.06-0.2 ms where
 * Automerge took 2.2-6.3 ms (30-35×); Automerge's updates were 2× larger
 * (296 B vs 146 B per event) and its heap 41-49× larger per task (79 KB vs
 * 1.6-1.9 KB); a board of finished tasks loaded 2.4-5.5× faster in Yjs.
 * Automerge's snapshot is smaller (175 B vs 543 B per task), so archiving
 * (DESIGN §4, a bounded board) matters more with Yjs.
 * At 10,000 finished tasks: 544 B of snapshot and ~3 KB of heap per task,
 * ~0.3-0.5 s to load the document and ~0.34 s more for this index to derive
 * every task at start.
 *
 * Archiving (archiver.ts decides when): a second map, `archive`, from task id
 * to { atMs, status }. Archiving a task sets its entry and deletes its events
 * in one change. The entry is a tombstone that wins over everything: an event
 * of an archived task that arrives later (from a node that was away) is never
 * indexed or derived, and is deleted again here. Memory per task, therefore
 * (measured: Yjs alone, 1,000 tasks of four events each, encodeStateAsUpdate):
 * while live or within retention, ~490 B of snapshot and ~3 KB of heap (the
 * derived state and index, above); once archived, ~360 B of snapshot: the
 * tombstone (~80 B) and what a Y.Map keeps of each deleted key (its item,
 * content collected, ~70 B per event), and ~100 B of heap here for the id.
 * So archiving frees the heap (the derived state and history), but the
 * document shrinks only by about a quarter: a Y.Map never forgets a key it
 * once held. Tombstones are kept for good (a bound by age would let a late
 * enough event resurrect its task): 100,000 archived tasks cost ~36 MB of
 * snapshot, loaded at every start, which is the board's practical limit
 * until the document is rebuilt (not done: it needs every replica to switch
 * together). The live part is bounded by submissions × retention.
 *
 * Why a flat map and not a map of task → list: two nodes that create one
 * task's list concurrently (an idempotency key submitted on both sides of a
 * partition) would each make their own, and a map keeps one value per key,
 * so the other list's events would vanish. With one key per event, the
 * union of two boards is the union of their events: distinct events have
 * distinct keys (content hashes), and the same event written twice is one key.
 * Nothing is overwritten, except that concurrent submissions of one key share
 * the key `id/submitted` (one of them stands everywhere), and nothing is
 * deleted but an archived task's events (above).
 */
import type * as Y from 'yjs'
import type { DocHandle } from '../docs/doc-handle.ts'
import type { Logger } from '../env/types.ts'
import { deriveTask, type TaskState } from './board-model.ts'
import { TaskValueError } from './errors.ts'
import { needsSettlement } from './settlement.ts'
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
/** The Y.Map of archived tasks: id → ArchiveEntry (see the file header). */
const ARCHIVE_MAP = 'archive'

/** What stays of an archived task. */
export interface ArchiveEntry {
  /** The archiving node's clock when it archived the task. */
  atMs: number
  /** The status it ended with. */
  status: string
}
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
  readonly #archive: Y.Map<unknown>
  readonly #now: () => number
  /** Archived task ids (the tombstones), read from the archive map. */
  readonly #archived = new Set<string>()
  /** Terminal tasks by when this node first saw them so, oldest first (insertion order): the archiver's queue. */
  readonly #finishedAtMs = new Map<string, number>()
  /** Tasks with something left to settle (compensations due, a saga to finish). */
  readonly #unsettled = new Set<string>()
  /** Keys of late events of archived tasks, to delete (after the observer: see #flush). */
  readonly #late = new Set<string>()
  #sweepQueued = false
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

  constructor(handle: DocHandle<Y.Doc>, log: Logger, now: () => number = () => 0) {
    this.#handle = handle
    this.#map = handle.ydoc.getMap(EVENTS_MAP)
    this.#archive = handle.ydoc.getMap(ARCHIVE_MAP)
    this.#log = log
    this.#now = now
    for (const id of this.#archive.keys()) if (TASK_ID_PATTERN.test(id)) this.#archived.add(id)
    const all = new Set<string>()
    for (const key of this.#map.keys()) {
      const id = this.#index(key)
      if (id !== undefined) all.add(id)
    }
    for (const id of all) this.#derive(id)
    this.#map.observe(this.#onChange)
    this.#archive.observe(this.#onArchive)
    this.#queueSweep()
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

  /** Tasks with compensations due or a saga to finish (finished ones included). */
  unsettled(): TaskState[] {
    return [...this.#unsettled].flatMap((id) => this.#states.get(id) ?? [])
  }

  /** Whether the task has compensations due or a saga to finish. */
  isUnsettled(id: string): boolean {
    return this.#unsettled.has(id)
  }

  /** Terminal tasks with when this node first saw them terminal, oldest first. */
  finished(): IterableIterator<[string, number]> {
    return this.#finishedAtMs.entries()
  }

  /** Whether the task was archived (its tombstone is here). */
  isArchived(id: string): boolean {
    return this.#archived.has(id)
  }

  /** Tombstones held. */
  get archivedCount(): number {
    return this.#archived.size
  }

  /**
   * Archives finished tasks: one change sets their tombstones and deletes
   * their events. Resolves once durable here.
   */
  async archive(ids: readonly string[]): Promise<void> {
    const entries = ids.flatMap((id) => {
      const state = this.#states.get(id)
      if (state === undefined || this.#archived.has(id)) return []
      const keys = [...(this.#events.get(id)?.keys() ?? [])].map((e) => `${id}/${e}`)
      return [{ id, entry: { atMs: this.#now(), status: state.status } satisfies ArchiveEntry, keys }]
    })
    if (entries.length === 0) return
    await this.#handle.change((doc) => {
      const archive = doc.getMap(ARCHIVE_MAP)
      const events = doc.getMap(EVENTS_MAP)
      for (const { id, entry, keys } of entries) {
        if (!archive.has(id)) archive.set(id, entry)
        for (const key of keys) events.delete(key)
      }
    })
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
    this.#archive.unobserve(this.#onArchive)
    this.#listeners.clear()
  }

  readonly #onChange = (event: Y.YMapEvent<unknown>): void => {
    const changed = new Set<string>()
    for (const key of event.keysChanged) {
      const id = this.#index(key)
      if (id !== undefined) changed.add(id)
    }
    for (const id of changed) if (this.#derive(id) !== undefined) this.#notify.add(id)
    this.#queueSweep()
    if (this.#notify.size > 0 && !this.#notifyQueued) {
      this.#notifyQueued = true
      queueMicrotask(this.#flush)
    }
  }

  /** New tombstones: the task leaves every index, and any of its events still here is swept. */
  readonly #onArchive = (event: Y.YMapEvent<unknown>): void => {
    for (const id of event.keysChanged) {
      if (!this.#archive.has(id) || this.#archived.has(id) || !TASK_ID_PATTERN.test(id)) continue
      this.#archived.add(id)
      for (const eventKey of this.#events.get(id)?.keys() ?? []) this.#late.add(`${id}/${eventKey}`)
      this.#events.delete(id)
      this.#states.delete(id)
      this.#active.delete(id)
      this.#unsettled.delete(id)
      this.#finishedAtMs.delete(id)
    }
    this.#queueSweep()
  }

  /** Deletes late events of archived tasks, a microtask after the observer (as #flush, for the same reason). */
  #queueSweep(): void {
    if (this.#late.size === 0 || this.#sweepQueued) return
    this.#sweepQueued = true
    queueMicrotask(() => {
      this.#sweepQueued = false
      const keys = [...this.#late]
      this.#late.clear()
      this.#handle
        .change((doc) => {
          const map = doc.getMap(EVENTS_MAP)
          for (const key of keys) if (map.has(key)) map.delete(key)
        })
        .catch((error: unknown) => {
          // Not deleted: the entries stay ignored, and the next late arrival or start sweeps again.
          this.#log.log('warn', 'task board: late events of archived tasks not swept', {
            error: String(error),
          })
        })
    })
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
    if (this.#archived.has(taskId)) {
      // A late event of an archived task: never indexed (the tombstone wins), deleted again.
      if (value !== undefined) this.#late.add(key)
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
    if (isTerminal(state.status)) {
      this.#active.delete(id)
      if (!this.#finishedAtMs.has(id)) this.#finishedAtMs.set(id, this.#now())
    } else {
      this.#active.add(id)
      this.#finishedAtMs.delete(id)
    }
    if (needsSettlement(state)) this.#unsettled.add(id)
    else this.#unsettled.delete(id)
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
