/**
 * One run of a task on this node, and the `ctx` its handler receives
 * (DESIGN §3): the run's fencing token, its own event counter, its journal
 * writes (checkpoint, durable steps) and its abort signal.
 *
 * Durable steps, as Temporal and Restate do them: `ctx.step(name, fn)`
 * looks the name up in the task's journal first. A step that an earlier run
 * completed is not run again: its journaled result is returned (a replay).
 * Otherwise `fn` runs, and its result is written to the board (durable here
 * before `step` resolves), so any later run, here or elsewhere, replays it.
 */
import type { Env } from '../env/types.ts'
import { sleep } from '../resilience/abort.ts'
import type { TaskState } from './board-model.ts'
import { StepNameError } from './errors.ts'
import type { RunToken } from './fencing.ts'
import type { TaskBoard } from './task-board.ts'
import type { RunScoped, TaskEvent } from './task-events.ts'
import type { Degradation, StepOptions, TaskContext, TaskNode, TaskRef } from './types.ts'

/** Steps one run may take: a handler looping on fresh step names without end is a bug. */
export const STEPS_PER_RUN_MAX = 10_000

/** A run-scoped event without the fields the run fills in. */
type RunEventBody = TaskEvent extends infer E
  ? E extends RunScoped
    ? Omit<E, keyof RunScoped>
    : never
  : never

/** A step this run passed through, with its compensation (kept for the saga on failure). */
export interface DoneStep {
  name: string
  result: unknown
  /** The run that did it: this one, or an earlier one whose journaled result was replayed. */
  run: RunToken
  compensate?: (result: unknown) => Promise<void>
}

export class TaskRun {
  readonly taskId: string
  readonly token: RunToken
  /** Aborts the whole run: claim lost, task cancelled, node stopping. */
  readonly controller = new AbortController()
  /** Steps this run passed through (done here or replayed), in order: what a saga undoes in reverse. */
  readonly done: DoneStep[] = []
  /** Steps replayed from the journal in this run. */
  replayed = 0
  readonly #board: TaskBoard
  readonly #names = new Set<string>()
  #seq = 0

  readonly #onStep: ((step: DoneStep) => void) | undefined

  constructor(init: {
    taskId: string
    token: RunToken
    board: TaskBoard
    /** Hears of every step passed through with a compensation (the node's StepCompensators). */
    onStep?: (step: DoneStep) => void
  }) {
    this.taskId = init.taskId
    this.token = init.token
    this.#board = init.board
    this.#onStep = init.onStep
  }

  /** The claim that starts the run (seq 0). */
  claimEvent(): TaskEvent {
    return { type: 'claimed', epoch: this.token.epoch, node: this.token.node, seq: 0 }
  }

  /** Writes one of this run's events (with its token and next seq); resolves once durable here. */
  write(body: RunEventBody): Promise<void> {
    const event = { ...body, epoch: this.token.epoch, node: this.token.node, seq: ++this.#seq } as TaskEvent
    return this.#board.write(this.taskId, [event])
  }

  state(): TaskState | undefined {
    return this.#board.state(this.taskId)
  }

  /** The `ctx` for one attempt of this run. */
  context(init: {
    env: Env
    node: TaskNode
    signal: AbortSignal
    attempt: number
    degradation: Degradation
  }): TaskContext {
    // Names are unique per attempt: a retry passes through the same steps again (and replays them).
    this.#names.clear()
    const run = this
    return {
      node: init.node,
      signal: init.signal,
      epoch: this.token.epoch,
      attempt: init.attempt,
      degradation: init.degradation,
      sleep: (ms) => sleep(init.env.clock, ms, init.signal),
      checkpoint: (state) => run.write({ type: 'checkpoint', state }),
      get lastCheckpoint() {
        return run.state()?.lastCheckpoint?.state
      },
      step: <R>(name: string, fn: () => Promise<R>, options?: StepOptions<R>) =>
        run.#step(name, fn, init.signal, options),
    }
  }

  async #step<R>(
    name: string,
    fn: () => Promise<R>,
    signal: AbortSignal,
    options?: StepOptions<R>,
  ): Promise<R> {
    if (typeof name !== 'string' || name.length === 0)
      throw new StepNameError('a step needs a non-empty name')
    if (this.#names.has(name))
      throw new StepNameError(`step "${name}" ran twice in one attempt of ${this.taskId}`)
    if (this.#names.size >= STEPS_PER_RUN_MAX)
      throw new StepNameError(`more than ${STEPS_PER_RUN_MAX} steps in one run of ${this.taskId}`)
    this.#names.add(name)
    const journaled = this.state()?.steps.get(name)
    if (journaled !== undefined) {
      this.replayed++
      this.#passed(name, journaled.result, { epoch: journaled.epoch, node: journaled.node }, options)
      return journaled.result as R
    }
    signal.throwIfAborted()
    const result = await fn()
    await this.write({ type: 'stepDone', name, result })
    // What a replay would return: the result as the board stores it (JSON).
    const stored = (result === undefined ? undefined : JSON.parse(JSON.stringify(result))) as R
    this.#passed(name, stored, this.token, options)
    return stored
  }

  #passed<R>(name: string, result: unknown, run: RunToken, options: StepOptions<R> | undefined): void {
    // A retry replays what an earlier attempt of this run did: one entry per step, or a saga would undo it twice.
    if (this.done.some((d) => d.name === name && d.run.epoch === run.epoch && d.run.node === run.node)) return
    const done: DoneStep = { name, result, run }
    if (options?.compensate) {
      done.compensate = options.compensate as (result: unknown) => Promise<void>
      this.#onStep?.(done)
    }
    this.done.push(done)
  }
}

/** The task as its handler sees it. */
export function taskRef(state: TaskState): TaskRef {
  const ref: TaskRef = { id: state.id, kind: state.kind, payload: state.payload }
  if (state.key !== undefined) ref.key = state.key
  return ref
}
