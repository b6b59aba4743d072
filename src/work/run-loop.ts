/**
 * One run of a task, start to finish: the attempt loop inside the kind's
 * bulkhead slot, each attempt through the kind's breaker under its own
 * deadline, backoff between attempts, the fallback kind, and the saga when
 * the task fails for good. The runner (runner.ts) decides which runs start
 * and stop; this file is what a run does.
 *
 * A run ends in one of four ways:
 *   completed  its handler (or the fallback kind's) returned: `completed`.
 *   failed     attempts exhausted or a non-retryable error, no fallback (or the
 *              fallback failed too): `attemptFailed {final}` (status
 *              'compensating'), its steps undone in reverse, then `failed`.
 *   stopped    its signal aborted (claim lost, cancelled, lease lost, node
 *              stopping): nothing more is written; a successor resumes it.
 *   error      a write of its own events failed (the store): the claim stays
 *              this node's, so the next scan resumes it.
 */
import { backoffDelayMs } from '../env/backoff.ts'
import type { Env } from '../env/types.ts'
import { sleep } from '../resilience/abort.ts'
import { AttemptTimeoutError, CircuitOpenError } from '../resilience/errors.ts'
import type { TaskState } from './board-model.ts'
import { stepKey } from './board-model.ts'
import { TaskFencedError } from './errors.ts'
import type { KindGuard, KindGuards } from './kind-guards.ts'
import type { TaskBoard } from './task-board.ts'
import { type TaskRun, taskRef } from './task-context.ts'
import type { Degradation, TaskHandler, TaskNode } from './types.ts'

/** Attempts when neither the task nor its handler says. */
export const MAX_ATTEMPTS_DEFAULT = 3
/** Per-attempt deadline when neither the task nor its handler says (DESIGN §3's example). */
export const ATTEMPT_TIMEOUT_MS_DEFAULT = 30_000
/** Backoff between attempts when the handler's retry says nothing (DESIGN §3 defaults). */
const RETRY_BASE_MS_DEFAULT = 500
const RETRY_MAX_MS_DEFAULT = 30_000
/** Longest wait for an open or half-open breaker before looking again (isolated: no probe time; a probe stopped from outside: no event). */
const BREAKER_WAIT_MS_MAX = 1_000

/** What runs count (node metrics read them through the runner). */
export interface RunStats {
  completed: number
  attemptsFailed: number
  retries: number
  failed: number
  aborted: number
  fallbacks: number
  stepsReplayed: number
  sagaCompensations: number
  compensationsFailed: number
}

/** What a run needs from the node. */
export interface RunDeps {
  env: Env
  self: string
  board: TaskBoard
  handlers: Readonly<Record<string, TaskHandler>>
  guards: KindGuards
  node: TaskNode
  degradation: () => Degradation
  stats: RunStats
}

/** `refused`: the kind's breaker refused the attempt (the handler was not called). */
type Outcome = { ok: true; result: unknown } | { ok: false; error: unknown; refused?: boolean }

/** Runs `run` to its end (see the file header); rejects only when a write of its events failed. */
export async function executeRun(run: TaskRun, deps: RunDeps): Promise<void> {
  const first = run.state()
  if (first === undefined) return
  const guard = deps.guards.get(first.kind) as KindGuard
  try {
    await guard.withSlot(() => attemptLoop(run, first, deps, guard), run.controller.signal)
  } catch (error) {
    if (!run.controller.signal.aborted) throw error
    stopped(run, deps) // aborted while queued for a bulkhead slot
  }
}

async function attemptLoop(run: TaskRun, first: TaskState, deps: RunDeps, guard: KindGuard): Promise<void> {
  const handler = deps.handlers[first.kind] as TaskHandler
  const maxAttempts = first.maxAttempts ?? handler.retry?.maxAttempts ?? MAX_ATTEMPTS_DEFAULT
  const timeoutMs = first.timeoutMs ?? handler.timeoutMs ?? ATTEMPT_TIMEOUT_MS_DEFAULT
  const fallback = fallbackOf(handler, deps)
  for (;;) {
    const state = run.state() ?? first
    const attempt = state.attemptsFailed + 1
    if (attempt > maxAttempts) return giveUp(run, deps, state, fallback, 'attempts exhausted by earlier runs')
    const refusal = guard.refusing(deps.env.clock.now())
    if (refusal.refused) {
      if (fallback !== undefined) return runFallback(run, deps, state, fallback, attempt)
      if (!(await pause(run, deps, waitForProbeMs(refusal.retryAtMs, deps)))) return stopped(run, deps)
      continue
    }
    const outcome = await attemptOnce(run, deps, guard, handler, state, attempt, timeoutMs)
    if (outcome.ok) return complete(run, deps, outcome.result, undefined)
    if (run.controller.signal.aborted) return stopped(run, deps)
    if (outcome.refused === true) {
      // Refused (half-open, its probes out): no attempt spent. Wait for the probe's outcome, on the clock.
      // A CircuitOpenError the handler threw (a breaker of its own) is a failed attempt like any other.
      if (!(await breakerChange(run, guard, deps))) return stopped(run, deps)
      continue
    }
    const retryable = handler.retry?.retryOn?.(outcome.error) ?? true
    const final = attempt >= maxAttempts || !retryable
    const message = errorMessage(outcome.error)
    await run.write({
      type: 'attemptFailed',
      attempt,
      error: message,
      final: final && fallback === undefined,
    })
    deps.stats.attemptsFailed++
    if (final) return giveUp(run, deps, run.state() ?? state, fallback, message)
    const backoff = {
      baseMs: handler.retry?.baseMs ?? RETRY_BASE_MS_DEFAULT,
      maxMs: handler.retry?.maxMs ?? RETRY_MAX_MS_DEFAULT,
      jitter: handler.retry?.jitter ?? 'full',
    }
    deps.stats.retries++
    if (!(await pause(run, deps, backoffDelayMs(attempt - 1, backoff, deps.env.random))))
      return stopped(run, deps)
  }
}

/** Attempts are spent: the fallback kind runs if there is one, else the saga and `failed`. */
async function giveUp(
  run: TaskRun,
  deps: RunDeps,
  state: TaskState,
  fallback: string | undefined,
  message: string,
): Promise<void> {
  if (fallback !== undefined) return runFallback(run, deps, state, fallback, state.attemptsFailed + 1)
  return failForGood(run, deps, message)
}

/** The fallback kind's handler runs once in place of the task's own; its failure fails the task. */
async function runFallback(
  run: TaskRun,
  deps: RunDeps,
  state: TaskState,
  kind: string,
  attempt: number,
): Promise<void> {
  const handler = deps.handlers[kind] as TaskHandler
  const guard = deps.guards.get(kind) as KindGuard
  const timeoutMs = handler.timeoutMs ?? ATTEMPT_TIMEOUT_MS_DEFAULT
  deps.stats.fallbacks++
  const outcome = await attemptOnce(run, deps, guard, handler, state, attempt, timeoutMs)
  if (outcome.ok) return complete(run, deps, outcome.result, kind)
  if (run.controller.signal.aborted) return stopped(run, deps)
  const message = `fallback ${kind}: ${errorMessage(outcome.error)}`
  await run.write({ type: 'attemptFailed', attempt, error: message, final: true })
  deps.stats.attemptsFailed++
  return failForGood(run, deps, message)
}

async function complete(run: TaskRun, deps: RunDeps, result: unknown, fallback: string | undefined) {
  await run.write(
    fallback === undefined ? { type: 'completed', result } : { type: 'completed', result, fallback },
  )
  deps.stats.completed++
}

/**
 * The saga: with `attemptFailed {final}` written (status 'compensating'),
 * the steps this run passed through are undone in reverse, each recorded as
 * `compensated` before the next, so a crash mid-saga leaves the rest to
 * whoever finishes it (settlement.ts); then `failed`. A compensation that
 * throws is logged and counted and its step stays uncompensated: the saga
 * goes on, the task must still end.
 */
async function failForGood(run: TaskRun, deps: RunDeps, message: string): Promise<void> {
  const state = run.state()
  for (const step of [...run.done].reverse()) {
    if (step.compensate === undefined) continue
    if (state?.compensatedSteps.has(stepKey(step.run, step.name))) continue
    try {
      await step.compensate(step.result)
    } catch (error) {
      deps.stats.compensationsFailed++
      deps.env.log.log('error', 'a step compensation failed', {
        task: run.taskId,
        step: step.name,
        error: String(error),
      })
      continue
    }
    await deps.board.write(run.taskId, [
      { type: 'compensated', epoch: step.run.epoch, node: step.run.node, step: step.name, by: deps.self },
    ])
    deps.stats.sagaCompensations++
  }
  await run.write({ type: 'failed', error: message })
  deps.stats.failed++
}

/** One attempt under its own deadline, through the kind's breaker. */
async function attemptOnce(
  run: TaskRun,
  deps: RunDeps,
  guard: KindGuard,
  handler: TaskHandler,
  state: TaskState,
  attempt: number,
  timeoutMs: number,
): Promise<Outcome> {
  const controller = new AbortController()
  const onRunAbort = (): void => controller.abort(run.controller.signal.reason)
  run.controller.signal.addEventListener('abort', onRunAbort, { once: true })
  const timer = deps.env.clock.setTimer(timeoutMs, () => controller.abort(new AttemptTimeoutError(timeoutMs)))
  const ctx = run.context({
    env: deps.env,
    node: deps.node,
    signal: controller.signal,
    attempt,
    degradation: deps.degradation(),
  })
  let running: Promise<unknown> | undefined
  try {
    // The breaker sees the run's signal, not the attempt's: a timeout counts as a failure of the
    // dependency, a run stopped from outside counts neither way.
    const result = await guard.throughBreaker(() => {
      running = Promise.resolve().then(() => handler.run(taskRef(state), ctx))
      // Raced with the signal: a handler that ignores it still loses the attempt at its deadline.
      return Promise.race([running, rejectOnAbort(controller.signal)])
    }, run.controller.signal)
    return { ok: true, result }
  } catch (error) {
    if (running !== undefined && controller.signal.reason instanceof TaskFencedError)
      keepLateResult(run, deps, running)
    if (controller.signal.aborted) return { ok: false, error: controller.signal.reason }
    return { ok: false, error, refused: running === undefined && error instanceof CircuitOpenError }
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
function keepLateResult(run: TaskRun, deps: RunDeps, running: Promise<unknown>): void {
  running.then(
    (result) =>
      run.write({ type: 'completed', result }).catch((error: unknown) => {
        deps.env.log.log('warn', 'a late duplicate result was not written', {
          task: run.taskId,
          error: String(error),
        })
      }),
    (error: unknown) =>
      deps.env.log.log('debug', 'a fenced run ended', { task: run.taskId, error: String(error) }),
  )
}

/** Waits `ms` unless the run stops first; false if it stopped. */
async function pause(run: TaskRun, deps: RunDeps, ms: number): Promise<boolean> {
  try {
    await sleep(deps.env.clock, ms, run.controller.signal)
    return true
  } catch {
    // The rejection is the run's abort reason, which stopped() logs.
    return false
  }
}

/** Stopped, not failed (claim lost, cancelled, lease lost, node stopping): its successor resumes it. */
function stopped(run: TaskRun, deps: RunDeps): void {
  deps.stats.aborted++
  deps.env.log.log('debug', 'task run stopped', {
    task: run.taskId,
    reason: String(run.controller.signal.reason),
  })
}

/** Waits for the kind's breaker to change state (at most BREAKER_WAIT_MS_MAX) unless the run stops; false if it stopped. */
async function breakerChange(run: TaskRun, guard: KindGuard, deps: RunDeps): Promise<boolean> {
  try {
    await guard.whenChanged(
      waitForProbeMs(guard.refusing(deps.env.clock.now()).retryAtMs, deps),
      run.controller.signal,
    )
    return true
  } catch {
    return false
  }
}

function waitForProbeMs(retryAtMs: number | undefined, deps: RunDeps): number {
  if (retryAtMs === undefined) return BREAKER_WAIT_MS_MAX
  return Math.min(BREAKER_WAIT_MS_MAX, Math.max(1, retryAtMs - deps.env.clock.now()))
}

/** The handler's fallback kind, if this node has a handler for it. */
function fallbackOf(handler: TaskHandler, deps: RunDeps): string | undefined {
  const kind = handler.fallback
  return kind !== undefined && Object.hasOwn(deps.handlers, kind) ? kind : undefined
}

function rejectOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason)
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true })
  })
}

/** An error as the board records it. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`
  return String(error)
}
