/**
 * The events a task's state is derived from (DESIGN §4, Work). Every event is
 * immutable once written and lives in a grow-only set: the board never edits
 * or removes one, so a merge of two replicas is the union of their sets and
 * can never drop a claim or a result.
 *
 * Run-scoped events carry the run's identity, its fencing token
 * `(epoch, node)`, and `seq`, the run's own counter (0 is its claim), so the
 * history orders a run's events exactly, whatever order they arrived in.
 *
 * Identity: an event's id is a hash of its canonical content, so the same
 * logical event written twice (a write retried after a failed append, the
 * same cancel on both sides) is one entry, and distinct events (which always
 * differ in content: a run's seq, a node, a clock reading) never collide. The
 * one exception is `submitted`, whose id is fixed: a task has one submission,
 * also when its idempotency key was submitted on both sides of a partition
 * with different payloads or clocks (the replicated map keeps one of them, the
 * same on every replica; deriveTask also picks one deterministically).
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js'
import { canonicalJson } from '../../crdt/canonical.ts'

/** A task was submitted. `atMs` is the submitter's clock, for display only. */
export interface SubmittedEvent {
  type: 'submitted'
  id: string
  kind: string
  key?: string
  payload: unknown
  /** Attempts before the task fails for good; absent: the handler's retry setting, else the default. */
  maxAttempts?: number
  /** Per-attempt deadline; absent: the handler's timeoutMs, else the default. */
  timeoutMs?: number
  atMs: number
}

/** The fields every event written by a run carries: its fencing token and its own counter. */
export interface RunScoped {
  epoch: number
  node: string
  /** The run's counter: 0 for its claim, then 1, 2, ... for each event it writes. */
  seq: number
}

/** A run began: `node` claimed the task with a new epoch (a fencing token). */
export interface ClaimedEvent extends RunScoped {
  type: 'claimed'
}

/** A handler saved its progress (`ctx.checkpoint`). */
export interface CheckpointEvent extends RunScoped {
  type: 'checkpoint'
  state: unknown
}

/** A durable step finished (`ctx.step`): its result is replayed to every later run. */
export interface StepDoneEvent extends RunScoped {
  type: 'stepDone'
  name: string
  result: unknown
}

/** One attempt of a run failed. `final`: no attempt follows (exhausted or not retryable). */
export interface AttemptFailedEvent extends RunScoped {
  type: 'attemptFailed'
  attempt: number
  error: string
  final: boolean
}

/** A run returned its result. Accepted only if the run's token is the winning claim. */
export interface CompletedEvent extends RunScoped {
  type: 'completed'
  result: unknown
  /** The kind that ran instead of the task's own (a fallback), if one did. */
  fallback?: string
}

/** A run gave up for good (after compensating its steps). */
export interface FailedEvent extends RunScoped {
  type: 'failed'
  error: string
}

/** Someone cancelled the task; `epoch` is the highest epoch they saw. */
export interface CancelledEvent {
  type: 'cancelled'
  node: string
  epoch: number
  atMs: number
}

/**
 * A run's effects were undone: the whole run (a completed duplicate, through
 * the handler's `compensate`) or one of its steps (`step`, a saga). `epoch`
 * and `node` name the run compensated; `by` is the node that did it (left out
 * of the event's id, so a compensation is one entry whoever recorded it).
 */
export interface CompensatedEvent {
  type: 'compensated'
  epoch: number
  node: string
  step?: string
  by: string
}

/** Everything a task's history holds. */
export type TaskEvent =
  | SubmittedEvent
  | ClaimedEvent
  | CheckpointEvent
  | StepDoneEvent
  | AttemptFailedEvent
  | CompletedEvent
  | FailedEvent
  | CancelledEvent
  | CompensatedEvent

/** The id of a task's one submission event (see the file header). */
export const SUBMITTED_EVENT_ID = 'submitted'

/** Hex digits of an event id: 128 bits, so distinct events collide with odds of 2^-64 at 2^32 events. */
const EVENT_ID_HEX = 32

/** An event's identity in the board: fixed for `submitted`, else a hash of its canonical content. */
export function eventId(event: TaskEvent): string {
  if (event.type === 'submitted') return SUBMITTED_EVENT_ID
  // A compensation is one fact whoever did it: two nodes that both undid a duplicate (views that
  // disagreed) write one entry, and the second sees it there before running its own (settlement.ts).
  const identity = event.type === 'compensated' ? { ...event, by: '' } : event
  return bytesToHex(sha256(utf8ToBytes(canonicalJson(identity)))).slice(0, EVENT_ID_HEX)
}

/** Hex digits of a task id: 128 bits, as event ids. */
const TASK_ID_HEX = 32

/**
 * The task id of an idempotency key: the same on every node, so both sides of
 * a partition write the same task and their events merge. The prefix keeps
 * keyed ids apart from random ones (`r…`), and the domain string keeps the
 * hash apart from any other use of sha256 over user strings.
 */
export function taskIdOfKey(key: string): string {
  return `k${bytesToHex(sha256(utf8ToBytes(`isthmus/task-key\u0000${key}`))).slice(0, TASK_ID_HEX)}`
}

/** A fresh task id from random bytes (env.random, so the simulator replays it). */
export function randomTaskId(bytes: Uint8Array): string {
  return `r${bytesToHex(bytes).slice(0, TASK_ID_HEX)}`
}

/** Bytes of randomness a random task id takes. */
export const TASK_ID_BYTES = TASK_ID_HEX / 2

/** Task ids: what taskIdOfKey and randomTaskId make; anything else is refused before it reaches the board. */
export const TASK_ID_PATTERN = /^[kr][0-9a-f]{32}$/
