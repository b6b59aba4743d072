/**
 * The runner: claims the tasks this node should run (claim-decision.ts) and
 * runs their handlers, writing what happens to the board. It reacts to every
 * change of a task (local or from a peer) and of the view, and ticks on the
 * node's clock as a safety net.
 *
 * Done here (issue 10, first half):
 *   - claim with epoch + 1 (a new fencing token per run), run only if the
 *     claim still wins once durable;
 *   - attempts: per-attempt timeout (ctx.signal aborts with
 *     AttemptTimeoutError), attemptFailed per failure, backoff between
 *     attempts (env/backoff.ts, jitter from env.random), `failed` after
 *     maxAttempts or when `retry.retryOn` says no;
 *   - resume: after a restart, a node's own stale claim is claimed again and
 *     the handler sees `ctx.lastCheckpoint` and replays journaled steps;
 *   - takeover of a claim whose node is 'dead' in the view (see
 *     claim-decision.ts for why 'dead' and not leases yet);
 *   - a run whose claim loses (a higher claim arrived) or whose task is
 *     cancelled is aborted through ctx.signal; a run stopped this way writes
 *     nothing more, except, for a lost claim, a result its handler returns
 *     anyway (written as a completed duplicate, to be compensated).
 *
 * Not done yet (the seams are marked NEXT below):
 *   - leases under `partitionPolicy: 'majority'` (abort runs within leaseMs of
 *     losing the majority; take over after detection + leaseMs);
 *   - compensation: `handler.compensate` exactly once per completed
 *     duplicate; the saga (a run's steps in reverse) on final failure and for
 *     steps a successor never saw; the 'compensated' events;
 *   - breaker, bulkhead and fallback per kind from src/resilience (`policy`);
 *     retry here is a plain loop so each attempt's failure reaches the board;
 *   - archiving finished tasks after a retention period;
 *   - metrics (takeovers, MTTR, duplicates, resumes) in node.metrics().
 */
import { backoffDelayMs } from '../env/backoff.ts'
import type { Env, Timer } from '../env/types.ts'
import { NodeStoppedError } from '../errors.ts'
import type { ClusterView } from '../membership/membership.ts'
import { sleep } from '../resilience/abort.ts'
import { AttemptTimeoutError } from '../resilience/errors.ts'
import type { TaskState } from './board-model.ts'
import { type ClaimReason, decideClaim } from './claim-decision.ts'
import { TaskCancelledError, TaskFencedError } from './errors.ts'
import { highestToken, nextEpoch, sameToken } from './fencing.ts'
import type { TaskBoard } from './task-board.ts'
import { TaskRun, taskRef } from './task-context.ts'
import type { Degradation, TaskHandler, TaskNode, WorkOptions } from './types.ts'

/** Attempts when neither the task nor its handler says. */
export const MAX_ATTEMPTS_DEFAULT = 3
/** Per-attempt deadline when neither the task nor its handler says (DESIGN §3's example). */
export const ATTEMPT_TIMEOUT_MS_DEFAULT = 30_000
/** Backoff between attempts when the handler's retry says nothing (DESIGN §3 defaults). */
const RETRY_BASE_MS_DEFAULT = 500
const RETRY_MAX_MS_DEFAULT = 30_000
/** Runs at once on one node, until bulkheads per kind bound them (NEXT): a runaway board must not fork without end. */
export const RUNS_PER_NODE_MAX = 10_000

/** What the runner counts (node metrics will read these: NEXT). */
export interface RunnerStats {
  claims: Record<ClaimReason, number>
  completed: number
  attemptsFailed: number
  failed: number
  aborted: number
  stepsReplayed: number
}

export class Runner {
  readonly #env: Env
  readonly #self: string
  readonly #board: TaskBoard
  readonly #options: WorkOptions
  readonly #node: TaskNode
  readonly #view: () => ClusterView
  readonly #tickMs: number
  readonly #runs = new Map<string, TaskRun>()
  /** Tasks whose claim is being written: not considered again meanwhile. */
  readonly #claiming = new Set<string>()
  readonly stats: RunnerStats = {
    claims: { pending: 0, resume: 0, takeover: 0 },
    completed: 0,
    attemptsFailed: 0,
    failed: 0,
    aborted: 0,
    stepsReplayed: 0,
  }
  #timer: Timer | undefined
  #unsubscribe: (() => void) | undefined
  #running = false

  constructor(init: {
    env: Env
    self: string
    board: TaskBoard
    options: WorkOptions
    node: TaskNode
    view: () => ClusterView
    tickMs: number
  }) {
    this.#env = init.env
    this.#self = init.self
    this.#board = init.board
    this.#options = init.options
    this.#node = init.node
    this.#view = init.view
    this.#tickMs = init.tickMs
  }

  start(): void {
    if (this.#running) return
    this.#running = true
    this.#unsubscribe = this.#board.subscribe((state) => this.#consider(state, this.#view()))
    this.#arm()
    this.scan()
  }

  /** Aborts every run (they write nothing more) and stops reacting. */
  stop(): void {
    this.#running = false
    this.#timer?.cancel()
    this.#unsubscribe?.()
    for (const run of this.#runs.values()) run.controller.abort(new NodeStoppedError('the node stopped'))
    this.#runs.clear()
  }

  /** Runs here now, by task id: for tests and the simulator's checkers. */
  runningHere(): string[] {
    return [...this.#runs.keys()]
  }

  /** What keeps this node's work from being settled: runs in progress, claims being written. */
  pendingWork(): string[] {
    const reasons: string[] = []
    if (this.#runs.size > 0) reasons.push(`tasks: ${this.#runs.size} running here`)
    if (this.#claiming.size > 0) reasons.push(`tasks: ${this.#claiming.size} claims in flight`)
    return reasons
  }

  /** Considers every unfinished task (on a view change and each tick). */
  scan(): void {
    if (!this.#running) return
    const view = this.#view()
    for (const state of this.#board.active()) this.#consider(state, view)
  }

  #arm(): void {
    this.#timer = this.#env.clock.setTimer(this.#tickMs, () => {
      if (!this.#running) return
      try {
        this.scan()
      } finally {
        this.#arm()
      }
    })
  }

  #consider(state: TaskState, view: ClusterView): void {
    if (!this.#running) return
    const run = this.#runs.get(state.id)
    if (run !== undefined) {
      this.#fence(run, state)
      return
    }
    if (this.#claiming.has(state.id) || this.#runs.size >= RUNS_PER_NODE_MAX) return
    const decision = decideClaim({
      task: state,
      view,
      policy: this.#options.partitionPolicy,
      hasHandler: Object.hasOwn(this.#options.handlers, state.kind),
      runningHere: false,
    })
    if (decision.claim) void this.#claim(state, decision.reason)
  }

  /** Aborts a run here whose claim lost or whose task was cancelled. */
  #fence(run: TaskRun, state: TaskState): void {
    if (run.controller.signal.aborted) return
    const winner = highestToken(state.claims)
    if (state.status === 'cancelled') run.controller.abort(new TaskCancelledError(state.id))
    else if (winner === undefined || !sameToken(winner, run.token))
      run.controller.abort(new TaskFencedError(state.id, run.token.epoch, winner))
  }

  async #claim(state: TaskState, reason: ClaimReason): Promise<void> {
    this.#claiming.add(state.id)
    const run = new TaskRun({
      taskId: state.id,
      token: { epoch: nextEpoch(state.claims), node: this.#self },
      board: this.#board,
    })
    try {
      await this.#board.write(state.id, [run.claimEvent()])
    } catch (error) {
      // The claim is not durable: no run. The next tick decides again.
      this.#env.log.log('warn', 'task claim failed', { task: state.id, error: String(error) })
      return
    } finally {
      this.#claiming.delete(state.id)
    }
    const now = this.#board.state(state.id)
    const winner = now && highestToken(now.claims)
    if (!this.#running || now === undefined || winner === undefined || !sameToken(winner, run.token)) return
    if (this.#runs.has(state.id)) return
    this.stats.claims[reason]++
    this.#runs.set(state.id, run)
    this.#execute(run)
      .catch((error: unknown) => {
        // A write of the run's own events failed (the store): the claim stays ours, so the next tick resumes it.
        this.#env.log.log('warn', 'task run ended on an error', { task: run.taskId, error: String(error) })
      })
      .finally(() => {
        if (this.#runs.get(run.taskId) === run) this.#runs.delete(run.taskId)
        this.stats.stepsReplayed += run.replayed
      })
  }

  /** The attempt loop of one run (see the file header for what it does and does not do yet). */
  async #execute(run: TaskRun): Promise<void> {
    const first = run.state()
    if (first === undefined) return
    const handler = this.#options.handlers[first.kind] as TaskHandler
    const maxAttempts = first.maxAttempts ?? handler.retry?.maxAttempts ?? MAX_ATTEMPTS_DEFAULT
    const timeoutMs = first.timeoutMs ?? handler.timeoutMs ?? ATTEMPT_TIMEOUT_MS_DEFAULT
    for (;;) {
      const state = run.state() ?? first
      const attempt = state.attemptsFailed + 1
      const outcome = await this.#attempt(run, handler, state, attempt, timeoutMs)
      if (outcome.ok) {
        await run.write({ type: 'completed', result: outcome.result })
        this.stats.completed++
        return
      }
      if (run.controller.signal.aborted) {
        // Stopped, not failed (claim lost, cancelled, node stopping): its successor resumes it.
        this.stats.aborted++
        this.#env.log.log('debug', 'task run stopped', {
          task: run.taskId,
          reason: String(run.controller.signal.reason),
        })
        return
      }
      const retryable = handler.retry?.retryOn?.(outcome.error) ?? true
      const final = attempt >= maxAttempts || !retryable
      const message = errorMessage(outcome.error)
      await run.write({ type: 'attemptFailed', attempt, error: message, final })
      this.stats.attemptsFailed++
      if (final) {
        // NEXT: the saga — compensate run.done in reverse (and steps of earlier runs this one never saw) before `failed`.
        await run.write({ type: 'failed', error: message })
        this.stats.failed++
        return
      }
      const backoff = {
        baseMs: handler.retry?.baseMs ?? RETRY_BASE_MS_DEFAULT,
        maxMs: handler.retry?.maxMs ?? RETRY_MAX_MS_DEFAULT,
        jitter: handler.retry?.jitter ?? 'full',
      }
      try {
        await sleep(
          this.#env.clock,
          backoffDelayMs(attempt - 1, backoff, this.#env.random),
          run.controller.signal,
        )
      } catch (reason) {
        // Aborted while waiting to retry: stopped, as above.
        this.stats.aborted++
        this.#env.log.log('debug', 'task run stopped', { task: run.taskId, reason: String(reason) })
        return
      }
    }
  }

  /** One attempt under its own deadline; the handler's throw or the deadline is the failure. */
  async #attempt(
    run: TaskRun,
    handler: TaskHandler,
    state: TaskState,
    attempt: number,
    timeoutMs: number,
  ): Promise<{ ok: true; result: unknown } | { ok: false; error: unknown }> {
    const controller = new AbortController()
    const onRunAbort = (): void => controller.abort(run.controller.signal.reason)
    run.controller.signal.addEventListener('abort', onRunAbort, { once: true })
    const timer = this.#env.clock.setTimer(timeoutMs, () =>
      controller.abort(new AttemptTimeoutError(timeoutMs)),
    )
    const ctx = run.context({
      env: this.#env,
      node: this.#node,
      signal: controller.signal,
      attempt,
      degradation: degradationOf(this.#view()),
    })
    const running = Promise.resolve().then(() => handler.run(taskRef(state), ctx))
    try {
      // Raced with the signal: a handler that ignores it still loses the attempt at its deadline.
      const result = await Promise.race([running, rejectOnAbort(controller.signal)])
      return { ok: true, result }
    } catch (error) {
      if (controller.signal.reason instanceof TaskFencedError) this.#keepLateResult(run, running)
      return { ok: false, error: controller.signal.aborted ? controller.signal.reason : error }
    } finally {
      timer.cancel()
      run.controller.signal.removeEventListener('abort', onRunAbort)
    }
  }

  /**
   * A fenced run whose handler ignores its signal and returns anyway did its
   * work: its result is written as what it is, a completed duplicate, so that
   * it is counted and compensated (DESIGN §4), never silently dropped.
   */
  #keepLateResult(run: TaskRun, running: Promise<unknown>): void {
    running.then(
      (result) =>
        run.write({ type: 'completed', result }).catch((error: unknown) => {
          this.#env.log.log('warn', 'a late duplicate result was not written', {
            task: run.taskId,
            error: String(error),
          })
        }),
      (error: unknown) =>
        this.#env.log.log('debug', 'a fenced run ended', { task: run.taskId, error: String(error) }),
    )
  }
}

function rejectOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason)
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true })
  })
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`
  return String(error)
}

/**
 * The node's degradation as handlers see it. The view will carry its own
 * (issue: degradation levels); until then it is read from reachability.
 */
export function degradationOf(view: ClusterView): Degradation {
  const own = (view as ClusterView & { degradation?: Degradation }).degradation
  if (own !== undefined) return own
  if (view.members.length > 0 && view.reachable.length === 1)
    return { level: 'minimal', reasons: ['no reachable peer'] }
  if (!view.majority) return { level: 'degraded', reasons: ['minority side'] }
  return { level: 'full', reasons: [] }
}
