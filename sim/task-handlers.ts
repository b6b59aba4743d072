/**
 * The task handlers the simulator installs on every node of a task scenario
 * (`node: { handlers: simTaskHandlers() }`): a small mix that exercises what
 * the work layer promises. Each is deterministic: a "flaky" failure is a
 * hash of the task id and the attempt, never a random draw, so a seed
 * replays the same runs. Every kind has a `compensate`, so the checkers can
 * demand that every completed duplicate is undone exactly once.
 *
 *   quick   returns after a short sleep.
 *   slow    walks `steps` durable steps, sleeping and checkpointing after
 *           each: a crash or takeover lands mid-run and the successor resumes
 *           from the checkpoint and replays the journaled steps.
 *   flaky   fails some attempts (retries with backoff), and some tasks for
 *           good.
 *   guarded flaky behind a breaker per kind, so a run of failures opens it.
 *   saga    two steps that each carry a compensation, then a wait: a task
 *           that fails for good, or a successor that never saw a step, undoes them.
 *
 * The results name the run that produced them ({ task, by, epoch }), so a
 * checker can tell an accepted result from a duplicate's.
 */
import { fnv1aText } from '../src/env/fnv1a.ts'
import type { TaskContext, TaskHandler, TaskRef } from '../src/work/types.ts'

/** The kinds `simTaskHandlers` installs. */
export const SIM_TASK_KINDS = ['quick', 'slow', 'flaky', 'guarded', 'saga'] as const
export type SimTaskKind = (typeof SIM_TASK_KINDS)[number]

/** Timings of the mix, in virtual ms (defaults below). */
export interface SimTaskTimings {
  /** `quick`'s whole run. Default 20. */
  quickMs?: number
  /** `slow`'s steps, and the wait after each. Default 5 steps of 250 ms. */
  slowSteps?: number
  slowStepMs?: number
  /** A `flaky` attempt fails when its hash falls below this. Default 0.5. */
  flakyFailRate?: number
  /** `saga`'s wait after its steps (where crashes land). Default 400. */
  sagaWaitMs?: number
  /** Every compensation's duration (a crash during compensation lands here). Default 150. */
  compensateMs?: number
}

const defaults: Required<SimTaskTimings> = {
  quickMs: 20,
  slowSteps: 5,
  slowStepMs: 250,
  flakyFailRate: 0.5,
  sagaWaitMs: 400,
  compensateMs: 150,
}

/** A run's signature in its result: which task, which node, which fencing token. */
export interface SimTaskResult {
  task: string
  by: string
  epoch: number
  kind: SimTaskKind
}

/** The checkpoint state `slow` writes: steps finished so far (checkers compare `progress`). */
export interface SimCheckpoint {
  progress: number
}

const resultOf = (kind: SimTaskKind, task: TaskRef, ctx: TaskContext): SimTaskResult => ({
  task: task.id,
  by: ctx.node.id,
  epoch: ctx.epoch,
  kind,
})

/** Deterministic [0, 1) from a label (the flaky kind's coin). */
function coin(label: string): number {
  return fnv1aText(label) / 2 ** 32
}

/** A compensation that takes `ms` on the node's clock. */
const undo = (ms: number) => async (_task: TaskRef, ctx: TaskContext) => ctx.sleep(ms)

/** The simulator's task mix (see the file header), with `timings` over the defaults. */
export function simTaskHandlers(timings: SimTaskTimings = {}): Record<SimTaskKind, TaskHandler> {
  const t = { ...defaults, ...timings }
  return {
    quick: {
      run: async (task, ctx) => {
        await ctx.sleep(t.quickMs)
        return resultOf('quick', task, ctx)
      },
      compensate: undo(t.compensateMs),
    },
    slow: {
      run: async (task, ctx) => {
        const from = (ctx.lastCheckpoint as SimCheckpoint | undefined)?.progress ?? 0
        for (let i = from; i < t.slowSteps; i++) {
          await ctx.step(`part-${i}`, async () => ({ part: i, by: ctx.node.id }))
          await ctx.sleep(t.slowStepMs)
          await ctx.checkpoint({ progress: i + 1 } satisfies SimCheckpoint)
        }
        return resultOf('slow', task, ctx)
      },
      compensate: undo(t.compensateMs),
    },
    flaky: {
      retry: { maxAttempts: 4, baseMs: 50, maxMs: 400, jitter: 'full' },
      run: async (task, ctx) => {
        await ctx.sleep(t.quickMs)
        if (coin(`${task.id}/${ctx.attempt}`) < t.flakyFailRate)
          throw new Error(`flaky: attempt ${ctx.attempt} of ${task.id} failed (by design)`)
        return resultOf('flaky', task, ctx)
      },
      compensate: undo(t.compensateMs),
    },
    guarded: {
      retry: { maxAttempts: 4, baseMs: 50, maxMs: 400, jitter: 'full' },
      breaker: { failureThreshold: 3, resetMs: 1_000 },
      run: async (task, ctx) => {
        await ctx.sleep(t.quickMs)
        if (coin(`${task.id}/${ctx.attempt}`) < t.flakyFailRate)
          throw new Error(`guarded: attempt ${ctx.attempt} of ${task.id} failed (by design)`)
        return resultOf('guarded', task, ctx)
      },
      compensate: undo(t.compensateMs),
    },
    saga: {
      run: async (task, ctx) => {
        // Step compensations return at once: the run's own signal may be aborted when they run.
        const undoStep = async (): Promise<void> => {}
        await ctx.step('reserve', async () => ({ reserved: task.id }), { compensate: undoStep })
        await ctx.step('charge', async () => ({ charged: task.id }), { compensate: undoStep })
        await ctx.sleep(t.sagaWaitMs)
        return resultOf('saga', task, ctx)
      },
      compensate: undo(t.compensateMs),
    },
  }
}
