/**
 * The `compensate` functions handlers gave `ctx.step(name, fn, { compensate })`,
 * kept in memory so that a step can be undone after its run has ended: a
 * stopped run's steps that a successor never saw (settlement.ts), or a saga
 * finished by a node that did not run it.
 *
 * A function is found by the run that did the step first (its own closure),
 * then by any run of the same task and step name on this node, then by the
 * latest run of the same kind and step name here: handlers run the same code
 * on every node, so the same step's `compensate` undoes any run's result of
 * it (it receives that result). A node that restarted and has run no handler
 * of the kind since has none: the compensation waits, logged, until one is
 * registered (or reports it missing when a saga must finish).
 */
import type { RunToken } from './fencing.ts'

/** Undoes one step, given the result it journaled. */
export type StepCompensator = (result: unknown) => Promise<void>

/** Entries kept; the oldest go first. A closure holds its run's scope alive, so the bound is on memory. */
export const STEP_COMPENSATORS_MAX = 10_000

export class StepCompensators {
  readonly #byRun = new Map<string, StepCompensator>()
  readonly #byTask = new Map<string, StepCompensator>()
  readonly #byKind = new Map<string, StepCompensator>()

  /** A run passed through step `name` (did it or replayed it) with this compensation. */
  register(taskId: string, kind: string, run: RunToken, name: string, fn: StepCompensator): void {
    put(this.#byRun, `${taskId}/${run.epoch}/${run.node}/${name}`, fn)
    put(this.#byTask, `${taskId}/${name}`, fn)
    put(this.#byKind, `${kind}/${name}`, fn)
  }

  /** The best function for undoing `run`'s step `name` of a task (see the file header). */
  find(taskId: string, kind: string, run: RunToken, name: string): StepCompensator | undefined {
    return (
      this.#byRun.get(`${taskId}/${run.epoch}/${run.node}/${name}`) ??
      this.#byTask.get(`${taskId}/${name}`) ??
      this.#byKind.get(`${kind}/${name}`)
    )
  }

  /** Forgets a task's entries (it is archived). */
  forget(taskId: string): void {
    for (const map of [this.#byRun, this.#byTask])
      for (const key of map.keys()) if (key.startsWith(`${taskId}/`)) map.delete(key)
  }
}

function put(map: Map<string, StepCompensator>, key: string, fn: StepCompensator): void {
  map.delete(key) // re-inserted last: the map's order is the eviction order
  map.set(key, fn)
  if (map.size > STEP_COMPENSATORS_MAX) map.delete(map.keys().next().value as string)
}
