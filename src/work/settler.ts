/**
 * Runs the compensations settlement.ts says are due and names this node to
 * do: a duplicate's `handler.compensate`, a stopped run's unseen steps, and
 * the rest of a saga whose run died mid-way. One task at a time per task
 * (its items in order), each recorded as a `compensated` event before the
 * next, so a crash leaves only what was not yet recorded, and a node that
 * finds the event already there never repeats it.
 *
 * Exactly once, precisely: a compensation is recorded once (the event's id
 * names the run and step, not who did it). A crash between a `compensate`
 * that returned and its event being durable runs it again on recovery, as
 * any at-least-once executor (Temporal's activities) would: compensations
 * should be idempotent. `compensate` receives a signal that aborts when the
 * node stops.
 */
import type { Env } from '../env/types.ts'
import { NodeStoppedError } from '../errors.ts'
import { sleep } from '../resilience/abort.ts'
import type { TaskState } from './board-model.ts'
import { CompensationContextError } from './errors.ts'
import { highestToken, type RunToken } from './fencing.ts'
import {
  compensatorOf,
  type DueCompensation,
  dueCompensations,
  type SettlementView,
  sagaSteps,
} from './settlement.ts'
import type { StepCompensators } from './step-compensators.ts'
import type { TaskBoard } from './task-board.ts'
import { taskRef } from './task-context.ts'
import { eventId, type TaskEvent } from './task-events.ts'
import type { Degradation, TaskContext, TaskHandler, TaskNode } from './types.ts'

/** What the settler counts. */
export interface SettleStats {
  /** Duplicates undone here (handler.compensate, or recorded when the kind has none). */
  runCompensations: number
  /** Unseen or saga steps undone here. */
  stepCompensations: number
  /** Sagas finished here for a run that died mid-way. */
  sagasFinished: number
  /** Steps a saga had to leave undone: no compensate function for them on this node. */
  stepCompensationsMissing: number
  compensationsFailed: number
}

/** Tasks settled at once here: each holds a handler call; a merge that makes thousands due waits its turn. */
export const SETTLEMENTS_MAX = 64

/** What the settler needs from the node. */
export interface SettlerInit {
  env: Env
  self: string
  board: TaskBoard
  handlers: Readonly<Record<string, TaskHandler>>
  node: TaskNode
  compensators: StepCompensators
  degradation: () => Degradation
}

export class Settler {
  readonly stats: SettleStats = {
    runCompensations: 0,
    stepCompensations: 0,
    sagasFinished: 0,
    stepCompensationsMissing: 0,
    compensationsFailed: 0,
  }
  readonly #init: SettlerInit
  readonly #busy = new Set<string>()
  readonly #controller = new AbortController()
  /** Step compensations already reported as waiting for a function (logged once each). */
  readonly #waitingLogged = new Set<string>()

  constructor(init: SettlerInit) {
    this.#init = init
  }

  /** Starts settling `state` here if something is due and this node is its compensator. */
  settle(state: TaskState, view: SettlementView, sagaRunningHere: boolean): void {
    if (this.#busy.has(state.id) || this.#busy.size >= SETTLEMENTS_MAX || this.#controller.signal.aborted)
      return
    const winner = highestToken(state.claims)
    const saga = state.status === 'compensating' && !sagaRunningHere && winner !== undefined
    const mine = dueCompensations(state).filter((d) => compensatorOf(state, d.run, view) === view.self)
    const finishSaga = saga && compensatorOf(state, winner, view) === view.self
    if (mine.length === 0 && !finishSaga) return
    this.#busy.add(state.id)
    this.#work(state, mine, finishSaga ? winner : undefined)
      .catch((error: unknown) => {
        // A write failed (the store) or the node stopped: what was not recorded is still due.
        this.#init.env.log.log('warn', 'task settlement stopped', { task: state.id, error: String(error) })
      })
      .finally(() => this.#busy.delete(state.id))
  }

  /** Settlements in progress here (for pendingWork). */
  get inProgress(): number {
    return this.#busy.size
  }

  stop(): void {
    this.#controller.abort(new NodeStoppedError('the node stopped'))
  }

  async #work(state: TaskState, due: DueCompensation[], saga: RunToken | undefined): Promise<void> {
    for (const item of due) {
      if (item.type === 'run') await this.#compensateRun(state, item.run)
      else await this.#compensateStep(state, item.run, item.step, item.result, false)
    }
    if (saga !== undefined) await this.#finishSaga(state.id, saga)
  }

  async #compensateRun(state: TaskState, run: RunToken): Promise<void> {
    const event: TaskEvent = { type: 'compensated', epoch: run.epoch, node: run.node, by: this.#init.self }
    if (this.#init.board.has(state.id, eventId(event))) return
    const handler = this.#init.handlers[state.kind]
    if (handler?.compensate !== undefined) {
      const fresh = this.#init.board.state(state.id) ?? state
      await handler.compensate(taskRef(fresh), this.#context(fresh, run))
    }
    await this.#init.board.write(state.id, [event])
    this.stats.runCompensations++
  }

  /** Undoes one step; false if no function for it is known here (it stays due, or a saga leaves it). */
  async #compensateStep(
    state: TaskState,
    run: RunToken,
    step: string,
    result: unknown,
    saga: boolean,
  ): Promise<boolean> {
    const event: TaskEvent = {
      type: 'compensated',
      epoch: run.epoch,
      node: run.node,
      step,
      by: this.#init.self,
    }
    if (this.#init.board.has(state.id, eventId(event))) return true
    const fn = this.#init.compensators.find(state.id, state.kind, run, step)
    if (fn === undefined) {
      const key = `${state.id}/${eventId(event)}`
      if (!this.#waitingLogged.has(key) || saga) {
        this.#waitingLogged.add(key)
        this.#init.env.log.log(saga ? 'error' : 'warn', 'no compensate function known here for a step', {
          task: state.id,
          step,
          run: `${run.epoch}/${run.node}`,
        })
      }
      return false
    }
    try {
      await fn(result)
    } catch (error) {
      this.stats.compensationsFailed++
      this.#init.env.log.log('error', 'a step compensation failed', {
        task: state.id,
        step,
        error: String(error),
      })
      return false
    }
    await this.#init.board.write(state.id, [event])
    this.stats.stepCompensations++
    return true
  }

  /** Ends the saga of a run that died mid-way: its remaining steps in reverse, then `failed` under its token. */
  async #finishSaga(taskId: string, winner: RunToken): Promise<void> {
    const state = this.#init.board.state(taskId)
    if (state === undefined || state.status !== 'compensating') return
    for (const step of sagaSteps(state)) {
      const done = await this.#compensateStep(state, step, step.name, step.result, true)
      if (!done) this.stats.stepCompensationsMissing++
    }
    let seq = 0
    for (const e of state.history)
      if ('seq' in e && e.epoch === winner.epoch && e.node === winner.node) seq = Math.max(seq, e.seq)
    const error = state.error ?? 'failed'
    // The token's fields alone: `winner` is the claimed event itself, whose `type` must not come along.
    const failed: TaskEvent = { type: 'failed', epoch: winner.epoch, node: winner.node, seq: seq + 1, error }
    await this.#init.board.write(state.id, [failed])
    this.stats.sagasFinished++
  }

  /** The `ctx` a duplicate's `compensate` receives: the run's epoch; no checkpoints; steps run unjournaled. */
  #context(state: TaskState, run: RunToken): TaskContext {
    const { env, node } = this.#init
    const signal = this.#controller.signal
    return {
      node,
      signal,
      epoch: run.epoch,
      attempt: state.attempts,
      degradation: this.#init.degradation(),
      sleep: (ms) => sleep(env.clock, ms, signal),
      checkpoint: () =>
        Promise.reject(new CompensationContextError('checkpoint() has no meaning while compensating')),
      lastCheckpoint: state.lastCheckpoint?.state,
      step: (_name, fn) => fn(),
    }
  }
}
