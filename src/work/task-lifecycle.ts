/**
 * The task lifecycle as a table (STYLE habit 7). A task's status is not
 * stored: deriveTask computes it from the task's event set by the precedence
 * below, so the table does two jobs. `precedence` is the rule that picks the
 * status; `next` lists where more events can move a task, which a property
 * test checks against deriveTask on random event sets and their supersets.
 *
 * Why a finished task can move again: results are fenced (fencing.ts). A
 * claim made on the other side of a partition, concurrently with a finish,
 * carries a higher token; after the merge the finish is no longer the
 * winning run's, so the task runs (or is settled) under the higher claim,
 * and the earlier result becomes a duplicate. Under `majority` that claim
 * cannot be made while the finishing run holds its lease; under
 * `availability` it is how duplicates settle on healing.
 */

/** What a task's events say it is doing. */
export type TaskStatus = 'pending' | 'running' | 'completed' | 'failed' | 'compensating' | 'cancelled'

interface StatusRow {
  /** No run will start or continue on its own (only a concurrent claim from a merge moves it). */
  terminal: boolean
  /** Statuses more events can lead to (itself excluded). */
  next: readonly TaskStatus[]
}

/** Every status, a comment on what it means, and where it can go. */
export const TASK_LIFECYCLE: Readonly<Record<TaskStatus, StatusRow>> = {
  // Submitted, never claimed: waits for its rendezvous owner (under `majority`, on the majority side).
  pending: { terminal: false, next: ['running', 'completed', 'failed', 'compensating', 'cancelled'] },
  // Claimed; the winning run has not finished. A takeover is a higher claim: still running.
  running: { terminal: false, next: ['completed', 'failed', 'compensating', 'cancelled'] },
  // The winning run's last attempt failed; it is undoing its completed steps (a saga) before `failed`.
  compensating: { terminal: false, next: ['running', 'completed', 'failed', 'cancelled'] },
  // The winning run's result is accepted. Moves only if a concurrent higher claim arrives in a merge.
  completed: { terminal: true, next: ['running', 'failed', 'compensating', 'cancelled'] },
  // The winning run gave up for good. Moves only if a concurrent higher claim arrives in a merge.
  failed: { terminal: true, next: ['running', 'completed', 'compensating', 'cancelled'] },
  // Someone cancelled it; no run starts. A concurrent run's accepted finish still outranks it.
  cancelled: { terminal: true, next: ['completed', 'failed'] },
}

/**
 * How deriveTask picks the status, highest first: what the winning run
 * finished with, then a cancellation, then what the winning run is doing.
 */
export const STATUS_PRECEDENCE: readonly TaskStatus[] = [
  'completed',
  'failed',
  'cancelled',
  'compensating',
  'running',
  'pending',
]

/** Whether more events can take a task from `from` to `to` (in any number of steps; a status reaches itself). */
export function canReach(from: TaskStatus, to: TaskStatus): boolean {
  const seen = new Set<TaskStatus>([from])
  const queue: TaskStatus[] = [from]
  for (let status = queue.shift(); status !== undefined; status = queue.shift()) {
    for (const next of TASK_LIFECYCLE[status].next) {
      if (!seen.has(next)) {
        seen.add(next)
        queue.push(next)
      }
    }
  }
  return seen.has(to)
}

/** Finished for good unless a merge brings a concurrent claim. */
export function isTerminal(status: TaskStatus): boolean {
  return TASK_LIFECYCLE[status].terminal
}
