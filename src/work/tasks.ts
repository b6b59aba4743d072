/**
 * `node.tasks` (DESIGN §3): submit, get, list, result and cancel over the
 * replicated board. Reads are local and immediate (this node's view of the
 * board); writes resolve once durable in the local store, as `change()` does,
 * and replicate with the board document.
 */
import type { Env } from '../env/types.ts'
import { NodeStoppedError } from '../errors.ts'
import type { TaskState } from './board-model.ts'
import {
  TaskArchivedError,
  TaskCancelledError,
  TaskFailedError,
  TaskNotFoundError,
  TaskResultTimeoutError,
  TaskSubmitError,
} from './errors.ts'
import type { TaskBoard } from './task-board.ts'
import {
  randomTaskId,
  SUBMITTED_EVENT_ID,
  type SubmittedEvent,
  TASK_ID_BYTES,
  taskIdOfKey,
} from './task-events.ts'
import { isTerminal } from './task-lifecycle.ts'
import type { ListFilter, SubmitOptions, TaskInfo } from './types.ts'

/** How long `result()` waits when the caller names no timeout. */
export const RESULT_TIMEOUT_MS_DEFAULT = 60_000
/** Kinds and keys are names, not data: bounded so the board's keys and logs stay small. */
export const KIND_CHARS_MAX = 128
export const KEY_CHARS_MAX = 1024
/** More attempts than this is a loop, not a retry policy. */
export const MAX_ATTEMPTS_MAX = 1000
/** `result()` callers waiting at once; more is a leak in the caller. */
export const RESULT_WAITERS_MAX = 100_000

export class Tasks {
  /** The board if it is open here (it opens on first use, or when tasks arrive from a peer). */
  readonly #board: () => TaskBoard | undefined
  readonly #open: () => Promise<TaskBoard>
  readonly #env: Env
  /** Pending result() calls, so stop() can reject them instead of leaving them hanging. */
  readonly #waiters = new Set<(error: Error) => void>()
  /** This node's id, written into cancellations. */
  readonly #self: string
  #stopped = false

  constructor(init: {
    board: () => TaskBoard | undefined
    open: () => Promise<TaskBoard>
    env: Env
    self: string
  }) {
    this.#board = init.board
    this.#open = init.open
    this.#env = init.env
    this.#self = init.self
  }

  /**
   * Adds a task to the board; resolves with its id once durable here. With
   * `key`, the id is the key's (taskIdOfKey): a key already on this board
   * returns its task without writing, and the same key submitted elsewhere,
   * even across a partition, merges into the same task.
   */
  async submit(options: SubmitOptions): Promise<string> {
    this.#live()
    const problems = submitProblems(options)
    if (problems.length > 0) throw new TaskSubmitError(problems)
    const board = await this.#open()
    const id =
      options.key !== undefined
        ? taskIdOfKey(options.key)
        : randomTaskId(this.#env.random.bytes(TASK_ID_BYTES))
    if (board.has(id, SUBMITTED_EVENT_ID)) return id
    const event: SubmittedEvent = {
      type: 'submitted',
      id,
      kind: options.kind,
      payload: options.payload ?? null,
      atMs: this.#env.clock.now(),
    }
    if (options.key !== undefined) event.key = options.key
    if (options.maxAttempts !== undefined) event.maxAttempts = options.maxAttempts
    if (options.timeoutMs !== undefined) event.timeoutMs = options.timeoutMs
    await board.write(id, [event])
    return id
  }

  /** The task as this node knows it now, or undefined if its submission has not reached this node. */
  get(id: string): TaskInfo | undefined {
    const state = this.#board()?.state(id)
    return state === undefined ? undefined : infoOf(state)
  }

  /** Tasks on this node's board matching every given filter field. */
  list(filter: ListFilter = {}): TaskInfo[] {
    const out: TaskInfo[] = []
    for (const state of this.#board()?.states() ?? []) {
      if (filter.status !== undefined && state.status !== filter.status) continue
      if (filter.owner !== undefined && state.owner !== filter.owner) continue
      if (filter.kind !== undefined && state.kind !== filter.kind) continue
      out.push(infoOf(state))
    }
    return out
  }

  /**
   * The accepted result, once this node sees one. Rejects with
   * TaskFailedError (failed for good), TaskCancelledError, or
   * TaskResultTimeoutError after `timeoutMs` on the node's clock, or
   * TaskArchivedError for a task archived after its retention. An id not
   * here yet is waited for too (its submission may still be on its way).
   */
  async result(id: string, options: { timeoutMs?: number } = {}): Promise<unknown> {
    this.#live()
    const timeoutMs = options.timeoutMs ?? RESULT_TIMEOUT_MS_DEFAULT
    if (!(timeoutMs > 0)) throw new RangeError('timeoutMs must be a positive number')
    const board = this.#board() ?? (await this.#open())
    if (board.isArchived(id)) throw new TaskArchivedError(id)
    const now = board.state(id)
    if (now !== undefined && isTerminal(now.status)) return settled(now)
    if (this.#waiters.size >= RESULT_WAITERS_MAX)
      throw new RangeError(`more than ${RESULT_WAITERS_MAX} result() calls waiting`)
    return new Promise((resolve, reject) => {
      const finish = (outcome: () => void): void => {
        timer.cancel()
        unsubscribe()
        this.#waiters.delete(fail)
        outcome()
      }
      const fail = (error: Error): void => finish(() => reject(error))
      const unsubscribe = board.subscribe((state) => {
        if (state.id === id && isTerminal(state.status)) finish(() => settled(state).then(resolve, reject))
      })
      const timer = this.#env.clock.setTimer(timeoutMs, () =>
        fail(new TaskResultTimeoutError(id, timeoutMs, board.state(id)?.status ?? 'unknown')),
      )
      this.#waiters.add(fail)
    })
  }

  /**
   * Cancels a task: resolves once the cancellation is durable here. A run of
   * it is aborted when its owner sees the cancellation. A task already
   * finished is left as it is. Rejects with TaskNotFoundError for an id not here.
   */
  async cancel(id: string): Promise<void> {
    this.#live()
    const board = await this.#open()
    const state = board.state(id)
    if (board.isArchived(id)) return // finished long ago: nothing to cancel
    if (state === undefined) throw new TaskNotFoundError(id)
    if (isTerminal(state.status)) return
    await board.write(id, [
      { type: 'cancelled', node: this.#self, epoch: state.epoch, atMs: this.#env.clock.now() },
    ])
  }

  /** Rejects every waiting result() with NodeStoppedError; later calls are refused. */
  stop(): void {
    this.#stopped = true
    for (const fail of [...this.#waiters]) fail(new NodeStoppedError('the node stopped'))
  }

  #live(): void {
    if (this.#stopped) throw new NodeStoppedError('the node stopped')
  }
}

/** A terminal state as result() reports it. */
function settled(state: TaskState): Promise<unknown> {
  if (state.status === 'completed') return Promise.resolve(state.result)
  if (state.status === 'cancelled') return Promise.reject(new TaskCancelledError(state.id))
  return Promise.reject(new TaskFailedError(state.id, state.error ?? 'unknown error'))
}

/** The public face of a derived state (the runner's bookkeeping left out). */
export function infoOf(state: TaskState): TaskInfo {
  const info: TaskInfo = {
    id: state.id,
    kind: state.kind,
    payload: state.payload,
    status: state.status,
    owner: state.owner,
    epoch: state.epoch,
    attempts: state.attempts,
    duplicates: state.duplicates,
    history: state.history,
  }
  if (state.key !== undefined) info.key = state.key
  if (state.status === 'completed') info.result = state.result
  if (state.error !== undefined) info.error = state.error
  if (state.fallback !== undefined) info.fallback = state.fallback
  if (state.lastCheckpoint !== undefined) info.lastCheckpoint = state.lastCheckpoint
  return info
}

function submitProblems(options: SubmitOptions): string[] {
  const problems: string[] = []
  if (typeof options !== 'object' || options === null) return ['options must be an object']
  const { kind, key, maxAttempts, timeoutMs } = options
  if (typeof kind !== 'string' || kind.length === 0 || kind.length > KIND_CHARS_MAX)
    problems.push(`kind must be a non-empty string of at most ${KIND_CHARS_MAX} characters`)
  if (key !== undefined && (typeof key !== 'string' || key.length === 0 || key.length > KEY_CHARS_MAX))
    problems.push(`key must be a non-empty string of at most ${KEY_CHARS_MAX} characters`)
  if (
    maxAttempts !== undefined &&
    (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > MAX_ATTEMPTS_MAX)
  )
    problems.push(`maxAttempts must be an integer from 1 to ${MAX_ATTEMPTS_MAX}`)
  if (
    timeoutMs !== undefined &&
    (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0)
  )
    problems.push('timeoutMs must be a positive number')
  return problems
}
