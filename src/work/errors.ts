/**
 * The errors the work layer gives callers, each a class with a `name`
 * (STYLE habit 5): what `result()` rejects with, a submission refused, and
 * the reasons a run's `ctx.signal` aborts.
 */

/** The task failed for good; `error` is the winning run's last error message. */
export class TaskFailedError extends Error {
  override name = 'TaskFailedError'
  readonly taskId: string
  readonly error: string
  constructor(taskId: string, error: string) {
    super(`task ${taskId} failed: ${error}`)
    this.taskId = taskId
    this.error = error
  }
}

/** The task was cancelled (result() of a cancelled task; a run's signal when its task is cancelled). */
export class TaskCancelledError extends Error {
  override name = 'TaskCancelledError'
  readonly taskId: string
  constructor(taskId: string) {
    super(`task ${taskId} was cancelled`)
    this.taskId = taskId
  }
}

/** `result(id, { timeoutMs })` saw no accepted result (nor failure) in time. */
export class TaskResultTimeoutError extends Error {
  override name = 'TaskResultTimeoutError'
  readonly taskId: string
  constructor(taskId: string, timeoutMs: number, status: string) {
    super(`task ${taskId}: no result after ${timeoutMs} ms (status ${status})`)
    this.taskId = taskId
  }
}

/** No task with this id is on this node's board (not submitted, or not replicated here yet). */
export class TaskNotFoundError extends Error {
  override name = 'TaskNotFoundError'
  readonly taskId: string
  constructor(taskId: string) {
    super(`no task ${taskId}`)
    this.taskId = taskId
  }
}

/** submit() options that do not validate; `problems` lists every one. */
export class TaskSubmitError extends Error {
  override name = 'TaskSubmitError'
  readonly problems: string[]
  constructor(problems: string[]) {
    super(`invalid task: ${problems.join('; ')}`)
    this.problems = problems
  }
}

/** A payload, checkpoint state, step result or task result that the board cannot store as JSON. */
export class TaskValueError extends Error {
  override name = 'TaskValueError'
}

/** One run called `ctx.step` twice with one name: names identify steps in the journal. */
export class StepNameError extends Error {
  override name = 'StepNameError'
}

/** A run's signal reason when its claim lost to a higher one (fencing): it must stop. */
export class TaskFencedError extends Error {
  override name = 'TaskFencedError'
  readonly taskId: string
  constructor(taskId: string, epoch: number, winner: { epoch: number; node: string } | undefined) {
    super(
      `task ${taskId}: the run of epoch ${epoch} lost its claim` +
        (winner ? ` to epoch ${winner.epoch} on ${winner.node}` : ''),
    )
    this.taskId = taskId
  }
}

/** A handler's `compensate` called a `ctx` method that has no meaning while undoing a run (checkpoint). */
export class CompensationContextError extends Error {
  override name = 'CompensationContextError'
}

/** The task was archived after its retention period: its result is no longer kept. */
export class TaskArchivedError extends Error {
  override name = 'TaskArchivedError'
  readonly taskId: string
  constructor(taskId: string) {
    super(`task ${taskId} was archived`)
    this.taskId = taskId
  }
}

/** A run's signal reason when its node lost its lease (on a minority side past the grace, leases.ts). */
export class LeaseLostError extends Error {
  override name = 'LeaseLostError'
  readonly taskId: string
  constructor(taskId: string, leaseMs: number) {
    super(`task ${taskId}: this node lost the majority, and with it its ${leaseMs} ms lease`)
    this.taskId = taskId
  }
}
