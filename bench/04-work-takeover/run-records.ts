/**
 * #4 work takeover: every run of every task, recorded from inside the task
 * handler on the simulator's clock (node, epoch, start, end, how it ended,
 * whether it resumed from a checkpoint), the handler that records them, and
 * the overlaps among them. The handler runs `steps` steps of `stepMs`,
 * checkpointing after each and resuming from the last checkpoint it is given.
 */
import type { TaskHandler } from '../../src/work/types.ts'

/** One run of one task, as its handler saw it. */
export interface RunRecord {
  task: string
  node: string
  epoch: number
  startMs: number
  endMs: number | undefined
  resumed: boolean
  outcome: 'completed' | 'stopped' | undefined
  reason: string | undefined
}

/** Steps already done, as the last checkpoint says (0 without one). */
function checkpointed(state: unknown): number {
  const done = (state as { done?: unknown } | undefined)?.done
  return typeof done === 'number' ? done : 0
}

/** A compensation the handler was asked for: which task's losing run, on which node. */
export interface CompensationRecord {
  task: string
  node: string
}

/** The handler the benchmark's nodes run: it appends each run to `runs` and each compensation to `compensations`. */
export function recordingWorkHandler(
  now: () => number,
  plan: { stepMs: number; steps: number },
  runs: RunRecord[],
  compensations: CompensationRecord[],
): TaskHandler {
  return {
    timeoutMs: 10 * 60_000,
    run: async (task, ctx) => {
      const record: RunRecord = {
        task: task.id,
        node: ctx.node.id,
        epoch: ctx.epoch,
        startMs: now(),
        endMs: undefined,
        resumed: ctx.lastCheckpoint !== undefined,
        outcome: undefined,
        reason: undefined,
      }
      runs.push(record)
      try {
        for (let done = checkpointed(ctx.lastCheckpoint); done < plan.steps; ) {
          await ctx.sleep(plan.stepMs)
          done++
          await ctx.checkpoint({ done })
        }
        record.outcome = 'completed'
        return { by: ctx.node.id, epoch: ctx.epoch }
      } catch (error) {
        record.outcome = 'stopped'
        record.reason = (error as Error)?.name
        throw error
      } finally {
        record.endMs = now()
      }
    },
    compensate: async (task, ctx) => {
      compensations.push({ task: task.id, node: ctx.node.id })
    },
  }
}

/** Pairs of runs of one task whose [start, end) overlap; a run on a crashed node ends at the crash. */
export function countOverlaps(runs: readonly RunRecord[], endOf: (run: RunRecord) => number): number {
  const byTask = new Map<string, RunRecord[]>()
  for (const run of runs) {
    const list = byTask.get(run.task)
    if (list === undefined) byTask.set(run.task, [run])
    else list.push(run)
  }
  let overlaps = 0
  for (const list of byTask.values())
    for (let i = 0; i < list.length; i++)
      for (let j = i + 1; j < list.length; j++) {
        const a = list[i] as RunRecord
        const b = list[j] as RunRecord
        if (a.startMs < endOf(b) && b.startMs < endOf(a)) overlaps++
      }
  return overlaps
}
