/**
 * What task work happened in a simulation, by identity: the tasks the
 * workload submitted (acknowledged ids), and every handler execution — each
 * `run` attempt and each `compensate` — with the node, the run's fencing
 * token and its [start, end) in true virtual time.
 *
 * The simulator wraps every handler it passes to createNode (its own task
 * mix and a caller's alike, see `withRecordedHandlers`), so it sees each
 * execution begin and end without trusting the node's bookkeeping. Each
 * start and end is a trace record (`k: 'task'`), so the trace hash covers
 * them and the report draws them. A crash ends the node's open executions
 * at the crash (its timers are gone, so its handlers never resume); a
 * promise of a dead incarnation that settles later is not recorded.
 */
import type { TaskContext, TaskHandler, TaskRef } from '../src/work/types.ts'
import type { TaskTraceName, TraceRecord } from './trace.ts'

/** One handler execution: a `run` attempt or a `compensate`. */
export interface HandlerRun {
  what: 'run' | 'compensate'
  task: string
  kind: string
  node: string
  /** The run's fencing token epoch (`ctx.epoch`). */
  epoch: number
  attempt: number
  startMs: number
  /** Undefined while it is still going. */
  endMs: number | undefined
  /** 'ok' returned, 'error' threw, 'crashed' its node died first. */
  outcome: 'ok' | 'error' | 'crashed' | undefined
}

/** A submission the workload saw acknowledged. */
export interface SubmittedTask {
  id: string
  node: string
  kind: string
  key?: string
  atMs: number
}

/** Executions and submissions kept per run: a simulated run is a script, not a load test. */
export const WORK_RECORDS_MAX = 200_000

export class WorkLedger {
  /** Tasks whose `submit` resolved, in order. */
  readonly submitted: SubmittedTask[] = []
  /** Every handler execution, in start order. */
  readonly runs: HandlerRun[] = []
  readonly #now: () => number
  readonly #record: (record: TraceRecord) => void
  /** Per node, its executions still going, and its incarnation (bumped at each crash). */
  readonly #open = new Map<string, Set<HandlerRun>>()
  readonly #incarnation = new Map<string, number>()

  constructor(init: { now: () => number; record: (record: TraceRecord) => void }) {
    this.#now = init.now
    this.#record = init.record
  }

  /** A submission resolved with `id`. */
  submit(task: SubmittedTask): void {
    if (this.submitted.length < WORK_RECORDS_MAX) this.submitted.push(task)
  }

  /** Follows node lifecycle records: a crash ends that node's open executions. */
  observe(record: TraceRecord): void {
    if (record.k !== 'node' || (record.what !== 'crash' && record.what !== 'stopped')) return
    this.#incarnation.set(record.node, (this.#incarnation.get(record.node) ?? 0) + 1)
    const open = this.#open.get(record.node)
    if (open === undefined) return
    for (const run of open) this.#end(run, 'crashed')
    open.clear()
  }

  /** Handler executions of `node` going now. */
  openRuns(node: string): HandlerRun[] {
    return [...(this.#open.get(node) ?? [])]
  }

  /** Runs `body` as one recorded execution of `what` for `task` on `ctx.node`. */
  async track<R>(
    what: 'run' | 'compensate',
    task: TaskRef,
    ctx: TaskContext,
    body: () => Promise<R>,
  ): Promise<R> {
    const node = ctx.node.id
    const incarnation = this.#incarnation.get(node) ?? 0
    const run: HandlerRun = {
      what,
      task: task.id,
      kind: task.kind,
      node,
      epoch: ctx.epoch,
      attempt: ctx.attempt,
      startMs: this.#now(),
      endMs: undefined,
      outcome: undefined,
    }
    if (this.runs.length < WORK_RECORDS_MAX) this.runs.push(run)
    let open = this.#open.get(node)
    if (open === undefined) {
      open = new Set()
      this.#open.set(node, open)
    }
    open.add(run)
    this.#trace(what, run)
    const settle = (outcome: 'ok' | 'error'): void => {
      // A dead incarnation's promise is not news: the crash ended the execution.
      if ((this.#incarnation.get(node) ?? 0) !== incarnation) return
      this.#open.get(node)?.delete(run)
      this.#end(run, outcome)
    }
    try {
      const result = await body()
      settle('ok')
      return result
    } catch (error) {
      settle('error')
      throw error
    }
  }

  #end(run: HandlerRun, outcome: 'ok' | 'error' | 'crashed'): void {
    run.endMs = this.#now()
    run.outcome = outcome
    this.#trace(run.what === 'run' ? 'run-end' : 'compensate-end', run)
  }

  #trace(what: TaskTraceName, run: HandlerRun): void {
    const record: TraceRecord = {
      t: this.#now(),
      k: 'task',
      node: run.node,
      what,
      task: run.task,
      kind: run.kind,
      epoch: run.epoch,
      attempt: run.attempt,
    }
    if (run.outcome !== undefined) record.outcome = run.outcome
    this.#record(record)
  }
}

/**
 * `options` with every handler in `options.handlers` wrapped so the ledger
 * records its executions; other options pass through untouched. A wrapped
 * handler keeps the original's settings (timeout, retry, breaker, ...)
 * through its prototype and only gets `compensate` if the original has one.
 */
export function withRecordedHandlers<O>(options: O, ledger: WorkLedger): O {
  const handlers = (options as { handlers?: unknown } | undefined)?.handlers
  if (typeof handlers !== 'object' || handlers === null) return options
  const wrapped: Record<string, unknown> = {}
  for (const [kind, handler] of Object.entries(handlers as Record<string, TaskHandler>)) {
    wrapped[kind] = typeof handler?.run === 'function' ? recordedHandler(handler, ledger) : handler
  }
  return { ...options, handlers: wrapped }
}

function recordedHandler(handler: TaskHandler, ledger: WorkLedger): TaskHandler {
  const wrapped = Object.create(handler) as TaskHandler
  wrapped.run = (task, ctx) => ledger.track('run', task, ctx, () => handler.run(task, ctx))
  const compensate = handler.compensate
  if (typeof compensate === 'function')
    wrapped.compensate = (task, ctx) =>
      ledger.track('compensate', task, ctx, () => compensate.call(handler, task, ctx))
  return wrapped
}
