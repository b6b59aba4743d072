/**
 * The public shapes of the work layer (DESIGN §3): what a caller submits and
 * reads back, and what a handler implements and receives.
 */
import type { BackendName } from '../../crdt/backend.ts'
import type { DocHandle } from '../docs/doc-handle.ts'
import type { Env } from '../env/types.ts'
import type { DuplicateRun } from './board-model.ts'
import type { CheckpointEvent, TaskEvent } from './task-events.ts'
import type { TaskStatus } from './task-lifecycle.ts'

/** What `node.tasks.submit` takes. */
export interface SubmitOptions {
  /** The handler kind that runs it (a key of createNode's `handlers`). */
  kind: string
  /** Any JSON value; the handler's `task.payload`. */
  payload?: unknown
  /** An idempotency key: every submission of one key, on any node, is one task. */
  key?: string
  /** Attempts before the task fails for good. Default: the handler's `retry.maxAttempts`, else 3. */
  maxAttempts?: number
  /** Deadline per attempt, in ms. Default: the handler's `timeoutMs`, else 30,000. */
  timeoutMs?: number
}

/** What `node.tasks.get` returns: the task as its events say, on this node now. */
export interface TaskInfo {
  id: string
  kind: string
  key?: string
  payload: unknown
  status: TaskStatus
  /** The node whose claim wins (undefined before the first claim). */
  owner: string | undefined
  /** The winning claim's epoch, its fencing token (0 before the first claim). */
  epoch: number
  attempts: number
  /** The accepted result (status 'completed'). */
  result?: unknown
  error?: string
  /** The kind that ran instead, if a fallback produced the result. */
  fallback?: string
  /** Completed runs that lost to a higher claim: kept and counted, each compensated once. */
  duplicates: DuplicateRun[]
  /** The last checkpoint, as a resumed run receives it. */
  lastCheckpoint?: CheckpointEvent
  /** Every event of the task, in a deterministic order. */
  history: TaskEvent[]
}

/** Filters of `node.tasks.list`; every given field must match. */
export interface ListFilter {
  status?: TaskStatus
  owner?: string
  kind?: string
}

/**
 * How much a node can do now (DESIGN §4): handlers read it to do less. The
 * same shape as src/node/degradation.ts's; declared here because this file
 * must stay a leaf (createNode's options import it, and the node imports them).
 */
export interface Degradation {
  level: 'full' | 'degraded' | 'minimal'
  /** Short causes: 'minority side', 'no reachable peer', 'breaker open: summarize'. */
  reasons: string[]
}

/** The part of `node.view()` a handler reads (AgentNode's view has more). */
export interface TaskView {
  self: string
  members: ReadonlyArray<{
    id: string
    status: 'alive' | 'suspect' | 'dead'
    phi: number
    lastHeardMs: number
  }>
  reachable: string[]
  partitioned: boolean
  majority: boolean
  degradation?: Degradation
}

/** The node as a handler sees it (a narrow face of AgentNode, so this layer does not import the node). */
export interface TaskNode {
  readonly id: string
  view(): TaskView
  doc(name: string, options?: { backend?: BackendName }): Promise<DocHandle<unknown>>
}

/** A task as its handler receives it. */
export interface TaskRef {
  id: string
  kind: string
  key?: string
  payload: unknown
}

/** Options of `ctx.step`. */
export interface StepOptions<R> {
  /** Undoes the step (a saga): run in reverse order if the task fails for good, or by a successor that never saw it. */
  compensate?: (result: R) => Promise<void>
}

/** What a handler's `run` receives beside the task (DESIGN §3). */
export interface TaskContext {
  node: TaskNode
  /** Aborts when the run must stop: its claim lost, the task was cancelled, the attempt timed out, the node stops. */
  signal: AbortSignal
  /** This run's fencing token. */
  epoch: number
  /** 1 for the first attempt of the task, counting failed attempts of every earlier run. */
  attempt: number
  degradation: Degradation
  /** Waits `ms` on the node's clock (virtual in the simulator); rejects when `signal` aborts. */
  sleep(ms: number): Promise<void>
  /** Saves progress durably (resolves once in the local store); a resumed run gets it as `lastCheckpoint`. */
  checkpoint(state: unknown): Promise<void>
  /** The state of the latest checkpoint of this task, from any earlier run or this one. */
  readonly lastCheckpoint: unknown
  /**
   * A durable step: runs `fn` once and journals its result; a later run of
   * the task gets the journaled result back without running `fn` again.
   * Names identify steps: one run may use a name once.
   */
  step<R>(name: string, fn: () => Promise<R>, options?: StepOptions<R>): Promise<R>
}

/** What a task kind does (createNode's `handlers`). */
export interface TaskHandler {
  run(task: TaskRef, ctx: TaskContext): Promise<unknown>
  /** Undoes a run that completed but lost (a duplicate), exactly once. */
  compensate?(task: TaskRef, ctx: TaskContext): Promise<void>
  /** Deadline per attempt, in ms: `ctx.signal` aborts, the attempt fails with AttemptTimeoutError. */
  timeoutMs?: number
  retry?: {
    maxAttempts?: number
    baseMs?: number
    maxMs?: number
    jitter?: 'full' | 'decorrelated' | 'none'
    retryOn?(error: unknown): boolean
  }
  breaker?: {
    failureThreshold?: number
    resetMs?: number
    halfOpenMax?: number
    failureRate?: number
    windowSize?: number
  }
  bulkhead?: { maxConcurrent?: number; maxQueue?: number }
  /** A kind that runs instead while the breaker is open or attempts are exhausted. */
  fallback?: string
}

/** The work layer's options, as createNode resolved them. */
export interface WorkOptions {
  handlers: Readonly<Record<string, TaskHandler>>
  partitionPolicy: 'majority' | 'availability'
  leaseMs: number
  /** How long a finished (and settled) task stays on the board before it is archived. */
  taskRetentionMs: number
}

/** The clock and randomness the work layer runs on. */
export type WorkEnv = Env
