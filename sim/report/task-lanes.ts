/**
 * Task runs over time, from the trace's `task` records (sim/work-ledger.ts
 * writes one when a handler execution begins and one when it ends): a lane
 * per node showing which tasks it ran when, with takeovers marked, drawn
 * beside the reachability rows.
 *
 * Each task is a series (its colour); while one of its runs executes on a
 * node, the series sits on that node's lane, slightly offset per task so
 * concurrent runs on one node stay visible. A compensation is drawn on the
 * lane too, lower. A takeover is a run of a task starting on another node
 * than its previous run did, under a higher epoch.
 */
import type { HandlerRun } from '../work-ledger.ts'
import { type ChartSpec, type Marker, stepSeries } from './chart-spec.ts'

/** One handler execution, as the report rebuilds it from a trace (whose outcome may be any text). */
export type TaskRunLine = Omit<HandlerRun, 'outcome'> & { outcome: string | undefined }

/** The most tasks drawn as series: more would be a blur of colours (the facts table still counts them all). */
export const TASK_SERIES_MAX = 60
/** Runs the builder keeps: a report of a long run stays small. */
export const TASK_RUNS_KEPT_MAX = 20_000

/** Pairs begin and end records into runs (feed every `task` record in order). */
export class TaskRunReplay {
  readonly runs: TaskRunLine[] = []
  readonly #open = new Map<string, TaskRunLine>()

  record(r: Record<string, unknown>, t: number): void {
    const what = String(r.what)
    const base = what.startsWith('compensate') ? 'compensate' : 'run'
    const key = `${base}/${r.node}/${r.task}/${r.epoch}/${r.attempt}`
    if (what === 'run' || what === 'compensate') {
      if (this.runs.length >= TASK_RUNS_KEPT_MAX) return
      const run: TaskRunLine = {
        what: base,
        task: String(r.task),
        kind: String(r.kind),
        node: String(r.node),
        epoch: Number(r.epoch),
        attempt: Number(r.attempt),
        startMs: t,
        endMs: undefined,
        outcome: undefined,
      }
      this.runs.push(run)
      this.#open.set(key, run)
      return
    }
    const run = this.#open.get(key)
    if (run === undefined) return
    run.endMs = t
    run.outcome = r.outcome === undefined ? undefined : String(r.outcome)
    this.#open.delete(key)
  }
}

/** Takeovers: a task's run starting on another node than its previous run, under a higher epoch. */
export function takeoversOf(runs: readonly TaskRunLine[]): Marker[] {
  const last = new Map<string, TaskRunLine>()
  const markers: Marker[] = []
  for (const run of runs) {
    if (run.what !== 'run') continue
    const before = last.get(run.task)
    if (before !== undefined && before.node !== run.node && run.epoch > before.epoch)
      markers.push({
        t: run.startMs,
        label: `takeover ${run.kind} ${run.task.slice(0, 7)}: ${before.node}→${run.node}`,
        kind: 'node',
      })
    last.set(run.task, run)
  }
  return markers
}

/** The lanes chart, or undefined when the run ran no task. */
export function taskLanesChart(
  ids: readonly string[],
  runs: readonly TaskRunLine[],
  endMs: number,
): ChartSpec | undefined {
  if (runs.length === 0) return undefined
  const lane = new Map(ids.map((id, i) => [id, i]))
  const tasks = [...new Set(runs.map((r) => r.task))].slice(0, TASK_SERIES_MAX)
  const kinds = new Map(runs.map((r) => [r.task, r.kind]))
  const changes = [...new Set([0, ...runs.flatMap((r) => [r.startMs, r.endMs ?? endMs])])].sort(
    (a, b) => a - b,
  )
  const columns = tasks.map((task, i) => {
    const offset = ((i % 7) - 3) * 0.05
    const mine = runs.filter((r) => r.task === task)
    return changes.map((t) => {
      const on = mine.find((r) => r.startMs <= t && t < (r.endMs ?? Number.POSITIVE_INFINITY))
      if (on === undefined) return null
      return (lane.get(on.node) ?? 0) + offset - (on.what === 'compensate' ? 0.3 : 0)
    })
  })
  const { x, values } = stepSeries(changes, endMs, columns)
  return {
    id: 'task-lanes',
    title: 'Task runs per node',
    note: `A lane per node: each coloured line is one task's handler executing there (a line lowered under the lane is a compensation). Purple lines mark takeovers: a task's next run on another node, under a higher epoch.${tasks.length < new Set(runs.map((r) => r.task)).size ? ` The first ${TASK_SERIES_MAX} tasks are drawn.` : ''}`,
    yLabel: 'node',
    x,
    series: tasks.map((task, i) => ({
      label: `${kinds.get(task)} ${task.slice(0, 7)}`,
      values: values[i] ?? [],
    })),
    stepped: false,
    yRange: [-0.6, ids.length - 0.5],
    yTicks: [...ids],
    lineWidth: 4,
    markers: takeoversOf(runs),
  }
}

/** Facts for the table: runs, completions, takeovers, compensations. */
export function taskFacts(runs: readonly TaskRunLine[]): string {
  const executions = runs.filter((r) => r.what === 'run')
  const tasks = new Set(runs.map((r) => r.task)).size
  const failed = executions.filter((r) => r.outcome === 'error').length
  const crashed = executions.filter((r) => r.outcome === 'crashed').length
  const compensations = runs.filter((r) => r.what === 'compensate').length
  return `${tasks} tasks, ${executions.length} handler runs (${failed} threw, ${crashed} cut by a crash), ${takeoversOf(runs).length} takeovers, ${compensations} compensations`
}
