/**
 * A task's state, derived from the SET of its events (task-events.ts): a pure
 * function, so any two replicas holding the same events, received in any
 * order and any number of times, derive the same state. That is what makes
 * merging boards safe: a merge is a union of sets, and nothing it adds can
 * erase a claim or a result; fencing (fencing.ts) and the lifecycle table
 * (task-lifecycle.ts) decide what the union means.
 */
import { canonicalJson } from '../../crdt/canonical.ts'
import { compareTokens, highestToken, type RunToken, sameToken } from './fencing.ts'
import type {
  AttemptFailedEvent,
  CheckpointEvent,
  ClaimedEvent,
  CompensatedEvent,
  CompletedEvent,
  FailedEvent,
  StepDoneEvent,
  SubmittedEvent,
  TaskEvent,
} from './task-events.ts'
import type { TaskStatus } from './task-lifecycle.ts'

/** A completed run whose result was not accepted (it lost to a higher claim). */
export interface DuplicateRun extends RunToken {
  result: unknown
  /** Its effects were undone (`compensate` ran and said so); exactly once per duplicate. */
  compensated: boolean
}

/** Everything known about one task, derived from its events. */
export interface TaskState {
  id: string
  kind: string
  key?: string
  payload: unknown
  /** As submitted; absent: the runner uses the handler's setting or the default. */
  maxAttempts?: number
  timeoutMs?: number
  submittedAtMs: number
  status: TaskStatus
  /** The node of the winning claim (the run whose result would be accepted); undefined before any claim. */
  owner: string | undefined
  /** The winning claim's epoch; 0 before any claim. */
  epoch: number
  /** Attempts made: the failed ones, plus the winning run's current or successful one. */
  attempts: number
  /** Attempts that failed, over every run (the next attempt's number is this + 1). */
  attemptsFailed: number
  /** The accepted result (status 'completed'). */
  result?: unknown
  /** The accepted failure (status 'failed'), or the failure being compensated ('compensating'). */
  error?: string
  /** The kind that ran instead, if the accepted result came from a fallback. */
  fallback?: string
  /** Completed runs that lost: kept, counted, compensated once each (never dropped). */
  duplicates: DuplicateRun[]
  /** The highest checkpoint by (epoch, node, seq): within a run it never goes backwards. */
  lastCheckpoint?: CheckpointEvent
  /** Journaled step results by name (for each name, the latest run's): what a resumed run replays. */
  steps: ReadonlyMap<string, StepDoneEvent>
  /** Every claim, lowest token first. */
  claims: ClaimedEvent[]
  /** Compensations of single steps: `${epoch}/${node}/${step}` of each. */
  compensatedSteps: ReadonlySet<string>
  /** Every event, in a deterministic order (see historyOrder). */
  history: TaskEvent[]
}

/** Events sorted into their kinds (one pass over the set). */
interface Sorted {
  submitted: SubmittedEvent[]
  claims: ClaimedEvent[]
  checkpoints: CheckpointEvent[]
  steps: StepDoneEvent[]
  attemptFailures: AttemptFailedEvent[]
  completions: CompletedEvent[]
  failures: FailedEvent[]
  cancelled: number
  compensations: CompensatedEvent[]
}

/**
 * Derives a task's state from its events, or undefined if its submission has
 * not arrived yet (a peer's claim can arrive before the submission it follows:
 * the board map gives no order between keys).
 */
export function deriveTask(events: Iterable<TaskEvent>): TaskState | undefined {
  const unique = dedupe(events)
  const sorted = sortEvents(unique)
  const submitted = pickSubmission(sorted.submitted)
  if (submitted === undefined) return undefined
  const winner = highestToken(sorted.claims)
  // A run writes one finish; should it hold several, its first (by seq) counts, everywhere alike.
  const accepted = winner && firstOf(sorted.completions.filter((c) => sameToken(c, winner)))
  const acceptedFailure = winner && firstOf(sorted.failures.filter((f) => sameToken(f, winner)))
  const finalFailure =
    winner && firstOf(sorted.attemptFailures.filter((a) => a.final && sameToken(a, winner)))
  const status = statusOf({
    completed: accepted !== undefined,
    failed: acceptedFailure !== undefined,
    cancelled: sorted.cancelled > 0,
    compensating: finalFailure !== undefined,
    claimed: winner !== undefined,
  })
  const attemptsFailed = sorted.attemptFailures.length
  const ongoing = status === 'running' || status === 'completed'
  const state: TaskState = {
    id: submitted.id,
    kind: submitted.kind,
    payload: submitted.payload,
    submittedAtMs: submitted.atMs,
    status,
    owner: winner?.node,
    epoch: winner?.epoch ?? 0,
    attempts: attemptsFailed + (ongoing ? 1 : 0),
    attemptsFailed,
    duplicates: duplicatesOf(sorted, accepted),
    steps: journalOf(sorted.steps),
    claims: [...sorted.claims].sort(compareTokens),
    compensatedSteps: new Set(
      sorted.compensations.flatMap((c) => (c.step === undefined ? [] : [stepKey(c, c.step)])),
    ),
    history: historyOrder(unique),
  }
  if (submitted.key !== undefined) state.key = submitted.key
  if (submitted.maxAttempts !== undefined) state.maxAttempts = submitted.maxAttempts
  if (submitted.timeoutMs !== undefined) state.timeoutMs = submitted.timeoutMs
  const checkpoint = highestCheckpoint(sorted.checkpoints)
  if (checkpoint !== undefined) state.lastCheckpoint = checkpoint
  if (accepted !== undefined && status === 'completed') {
    state.result = accepted.result
    if (accepted.fallback !== undefined) state.fallback = accepted.fallback
  }
  const error = status === 'failed' ? acceptedFailure?.error : finalFailure?.error
  if ((status === 'failed' || status === 'compensating') && error !== undefined) state.error = error
  return state
}

/** The key under which a compensated step is remembered. */
export function stepKey(run: RunToken, step: string): string {
  return `${run.epoch}/${run.node}/${step}`
}

/** The status by the lifecycle table's precedence (task-lifecycle.ts STATUS_PRECEDENCE). */
function statusOf(facts: {
  completed: boolean
  failed: boolean
  cancelled: boolean
  compensating: boolean
  claimed: boolean
}): TaskStatus {
  if (facts.completed) return 'completed'
  if (facts.failed) return 'failed'
  if (facts.cancelled) return 'cancelled'
  if (facts.compensating) return 'compensating'
  if (facts.claimed) return 'running'
  return 'pending'
}

/** One copy of each distinct event (by canonical content), so duplication changes nothing. */
function dedupe(events: Iterable<TaskEvent>): TaskEvent[] {
  const byContent = new Map<string, TaskEvent>()
  for (const event of events) byContent.set(canonicalJson(event), event)
  return [...byContent.values()]
}

function sortEvents(events: readonly TaskEvent[]): Sorted {
  const sorted: Sorted = {
    submitted: [],
    claims: [],
    checkpoints: [],
    steps: [],
    attemptFailures: [],
    completions: [],
    failures: [],
    cancelled: 0,
    compensations: [],
  }
  for (const event of events) {
    switch (event.type) {
      case 'submitted':
        sorted.submitted.push(event)
        break
      case 'claimed':
        sorted.claims.push(event)
        break
      case 'checkpoint':
        sorted.checkpoints.push(event)
        break
      case 'stepDone':
        sorted.steps.push(event)
        break
      case 'attemptFailed':
        sorted.attemptFailures.push(event)
        break
      case 'completed':
        sorted.completions.push(event)
        break
      case 'failed':
        sorted.failures.push(event)
        break
      case 'cancelled':
        sorted.cancelled++
        break
      case 'compensated':
        sorted.compensations.push(event)
        break
    }
  }
  return sorted
}

/**
 * One submission per task. The board's map keeps one per task id already;
 * should a set hold several (events gathered from two boards), the earliest
 * by (atMs, canonical content) stands, the same choice everywhere.
 */
function pickSubmission(submissions: readonly SubmittedEvent[]): SubmittedEvent | undefined {
  let best: SubmittedEvent | undefined
  let bestKey = ''
  for (const s of submissions) {
    const key = canonicalJson(s)
    if (best === undefined || s.atMs < best.atMs || (s.atMs === best.atMs && key < bestKey)) {
      best = s
      bestKey = key
    }
  }
  return best
}

function duplicatesOf(sorted: Sorted, accepted: CompletedEvent | undefined): DuplicateRun[] {
  const compensatedRuns = sorted.compensations.filter((c) => c.step === undefined)
  return sorted.completions
    .filter((c) => c !== accepted)
    .sort(compareRunEvents)
    .map((c) => ({
      epoch: c.epoch,
      node: c.node,
      result: c.result,
      compensated: compensatedRuns.some((k) => sameToken(k, c)),
    }))
}

/**
 * Orders run events by (epoch, node, seq): the run's token first, then its own
 * counter; two events at one place (only a corrupt or hostile writer makes
 * them) by canonical content, so the order stays total and order-free.
 */
function compareRunEvents(a: RunToken & { seq: number }, b: RunToken & { seq: number }): number {
  return compareTokens(a, b) || a.seq - b.seq || compareContent(a, b)
}

function compareContent(a: unknown, b: unknown): number {
  const x = canonicalJson(a)
  const y = canonicalJson(b)
  return x < y ? -1 : x > y ? 1 : 0
}

function firstOf<E extends RunToken & { seq: number }>(events: readonly E[]): E | undefined {
  let first: E | undefined
  for (const e of events) if (first === undefined || compareRunEvents(e, first) < 0) first = e
  return first
}

function highestCheckpoint(checkpoints: readonly CheckpointEvent[]): CheckpointEvent | undefined {
  let best: CheckpointEvent | undefined
  for (const c of checkpoints) if (best === undefined || compareRunEvents(c, best) > 0) best = c
  return best
}

/** For each step name, the journal entry of the latest run that completed it. */
function journalOf(steps: readonly StepDoneEvent[]): Map<string, StepDoneEvent> {
  const journal = new Map<string, StepDoneEvent>()
  for (const step of [...steps].sort(compareRunEvents)) journal.set(step.name, step)
  return journal
}

/**
 * A total order on distinct events that depends on nothing but their content:
 * the submission, then each run's events by (epoch, node, seq), with
 * cancellations and compensations placed at the epoch they name; ties (which
 * only events of different kinds at one place can make) by canonical content.
 */
export function historyOrder(events: readonly TaskEvent[]): TaskEvent[] {
  const keyed = events.map((event) => ({ event, place: placeOf(event), content: canonicalJson(event) }))
  keyed.sort((a, b) => {
    for (let i = 0; i < a.place.length; i++) {
      const x = a.place[i] as number | string
      const y = b.place[i] as number | string
      if (x !== y) return x < y ? -1 : 1
    }
    return a.content < b.content ? -1 : a.content > b.content ? 1 : 0
  })
  return keyed.map((k) => k.event)
}

/** Where an event sits in the history: [epoch, group, node, position]. */
function placeOf(event: TaskEvent): [number, number, string, number] {
  switch (event.type) {
    case 'submitted':
      return [0, 0, '', event.atMs]
    case 'cancelled':
      return [event.epoch, 2, event.node, event.atMs]
    case 'compensated':
      return [event.epoch, 3, event.node, 0]
    default:
      return [event.epoch, 1, event.node, event.seq]
  }
}
