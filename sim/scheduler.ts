/**
 * Virtual time and the run loop. Virtual time only moves when the loop takes
 * the next event; after each event that ran node code the loop lets every
 * pending promise settle (one `setImmediate` turn drains the microtask and
 * nextTick queues completely) before it takes the next, so async node code
 * runs in an order that is a function of the seed alone.
 */

import { SimulationLimitError, SimulationTimeoutError } from './errors.ts'
import { EVENTS_QUEUED_MAX_DEFAULT, type EventKind, EventQueue, type SimEvent } from './event-queue.ts'

/** The scheduler's bounds. Each is a runaway guard, not a tuning knob. */
export interface SchedulerLimits {
  /** Events queued at once (see `EVENTS_QUEUED_MAX_DEFAULT`). */
  eventsQueuedMax: number
  /** Events run without virtual time advancing: above it, a protocol is livelocked on zero-delay timers. */
  eventsAtOneInstantMax: number
  /** Events held for one paused node: a pause long enough to reach it would have lost the process anyway. */
  deferredPerNodeMax: number
}

export const SCHEDULER_LIMITS_DEFAULT: SchedulerLimits = {
  eventsQueuedMax: EVENTS_QUEUED_MAX_DEFAULT,
  eventsAtOneInstantMax: 200_000,
  deferredPerNodeMax: 200_000,
}

/** What the loop tells its owner: an event ran, or node code threw out of one. */
export interface SchedulerHooks {
  afterEvent(event: SimEvent): void
  eventThrew(event: SimEvent, error: unknown): void
}

/** Resolves after the microtask and nextTick queues have drained (one macrotask turn). */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

interface Pause {
  untilMs: number
  deferred: SimEvent[]
}

const kinds: readonly EventKind[] = [
  'timer',
  'deliver',
  'notify',
  'link',
  'fault',
  'node',
  'op',
  'store',
  'resume',
]

export class Scheduler {
  #nowMs = 0
  #seq = 0
  #eventsRun = 0
  #instantMs = 0
  #eventsThisInstant = 0
  readonly #queue: EventQueue
  readonly #limits: SchedulerLimits
  readonly #paused = new Map<string, Pause>()
  /** Events queued per kind (canceled ones included until popped). */
  readonly #queuedByKind = new Map<EventKind, number>(kinds.map((k) => [k, 0]))
  hooks: SchedulerHooks = { afterEvent() {}, eventThrew() {} }

  constructor(limits: Partial<SchedulerLimits> = {}) {
    this.#limits = { ...SCHEDULER_LIMITS_DEFAULT, ...limits }
    this.#queue = new EventQueue(this.#limits.eventsQueuedMax)
  }

  /** Virtual milliseconds since the simulation began. */
  get nowMs(): number {
    return this.#nowMs
  }

  /** Events that ran (canceled ones and ones deferred by a pause are not counted twice). */
  get eventsRun(): number {
    return this.#eventsRun
  }

  /** Events queued now, canceled ones included. */
  get eventsQueued(): number {
    return this.#queue.size
  }

  /** Events queued of these kinds. */
  queuedOf(...which: EventKind[]): number {
    let n = 0
    for (const k of which) n += this.#queuedByKind.get(k) ?? 0
    return n
  }

  /** Queues `run` at virtual time `atMs` (never in the past). */
  schedule(atMs: number, kind: EventKind, node: string | undefined, run: () => boolean): SimEvent {
    const event: SimEvent = {
      timeMs: Math.max(atMs, this.#nowMs),
      seq: this.#seq++,
      sub: 0,
      kind,
      node,
      canceled: false,
      run,
    }
    this.#push(event)
    return event
  }

  #push(event: SimEvent): void {
    this.#queue.push(event)
    this.#queuedByKind.set(event.kind, (this.#queuedByKind.get(event.kind) ?? 0) + 1)
  }

  /** Stalls `node` for `ms`: its events wait, in order, and run when it resumes. */
  pause(node: string, ms: number): void {
    const untilMs = this.#nowMs + ms
    const current = this.#paused.get(node)
    if (current !== undefined) {
      current.untilMs = Math.max(current.untilMs, untilMs)
    } else {
      this.#paused.set(node, { untilMs, deferred: [] })
    }
    const resume: SimEvent = {
      timeMs: untilMs,
      seq: this.#seq++,
      sub: 0,
      kind: 'resume',
      node: undefined,
      canceled: false,
      run: () => this.#resume(node, resume.seq),
    }
    this.#push(resume)
  }

  isPaused(node: string): boolean {
    return this.#paused.has(node)
  }

  /** Ends a node's pause now (its process is gone): held events replay now and find it dead. */
  endPause(node: string): void {
    const pause = this.#paused.get(node)
    if (pause !== undefined) pause.untilMs = this.#nowMs
    this.#resume(node, this.#seq++)
  }

  #resume(node: string, resumeSeq: number): boolean {
    const pause = this.#paused.get(node)
    if (pause === undefined || pause.untilMs > this.#nowMs) return false
    this.#paused.delete(node)
    // Held events are older than anything still queued: they replay now, in their order, right
    // after this resume event (same seq, rising sub) and before anything else at this instant.
    pause.deferred.forEach((held, i) => {
      held.timeMs = this.#nowMs
      held.seq = resumeSeq
      held.sub = i + 1
      this.#push(held)
    })
    return false
  }

  #deferIfPaused(event: SimEvent): boolean {
    if (event.node === undefined) return false
    const pause = this.#paused.get(event.node)
    if (pause === undefined) return false
    if (pause.deferred.length >= this.#limits.deferredPerNodeMax) {
      throw new SimulationLimitError('deferredPerNodeMax', `node ${event.node} paused with too many events`)
    }
    pause.deferred.push(event)
    return true
  }

  #countInstant(timeMs: number): void {
    if (timeMs !== this.#instantMs) {
      this.#instantMs = timeMs
      this.#eventsThisInstant = 0
    }
    if (++this.#eventsThisInstant > this.#limits.eventsAtOneInstantMax) {
      throw new SimulationLimitError(
        'eventsAtOneInstantMax',
        `livelock at ${timeMs} ms: time does not advance`,
      )
    }
  }

  /** Runs the next event, then lets promises settle. Returns false when no event is left. */
  async step(): Promise<boolean> {
    const event = this.#queue.pop()
    if (event === undefined) return false
    this.#queuedByKind.set(event.kind, (this.#queuedByKind.get(event.kind) ?? 1) - 1)
    this.#nowMs = event.timeMs
    if (event.canceled || this.#deferIfPaused(event)) return true
    this.#countInstant(event.timeMs)
    this.#eventsRun++
    let ranNodeCode = false
    try {
      ranNodeCode = event.run()
    } catch (error) {
      // A bound the run outgrew is the simulator's verdict, not the node's bug: it stops the run.
      if (error instanceof SimulationLimitError) throw error
      ranNodeCode = true
      this.hooks.eventThrew(event, error)
    }
    if (ranNodeCode) await settle()
    this.hooks.afterEvent(event)
    return true
  }

  /**
   * Runs every event up to `nowMs + ms`, then sets the time to exactly that.
   * Work the caller started between runs (a verb's storage fault, a write)
   * settles first, even when no event falls in the window.
   */
  async runFor(ms: number): Promise<void> {
    await settle()
    const targetMs = this.#nowMs + Math.max(0, ms)
    for (let next = this.#queue.peek(); next !== undefined && next.timeMs <= targetMs; ) {
      await this.step()
      next = this.#queue.peek()
    }
    this.#nowMs = targetMs
  }

  /**
   * Runs events until `done()` holds (checked after each event) or `maxMs` of
   * virtual time passes. When no event is due before the deadline, time jumps
   * to it and `done()` is asked once more. Returns whether `done()` held.
   */
  async runUntil(done: () => boolean, maxMs: number): Promise<boolean> {
    await settle()
    const deadlineMs = this.#nowMs + maxMs
    while (!done()) {
      const next = this.#queue.peek()
      if (next === undefined || next.timeMs > deadlineMs) {
        this.#nowMs = deadlineMs
        return done()
      }
      await this.step()
    }
    return true
  }

  /** Runs virtual time until `promise` settles; throws `SimulationTimeoutError` after `maxMs`. */
  async until<T>(promise: Promise<T>, maxMs: number): Promise<T> {
    let settled = false
    const mark = () => {
      settled = true
    }
    promise.then(mark, mark)
    const startMs = this.#nowMs
    if (!(await this.runUntil(() => settled, maxMs))) {
      const why = this.#queue.size === 0 ? 'no event left to run' : `${maxMs} ms of virtual time passed`
      throw new SimulationTimeoutError(`until(): the promise did not settle (${why}, from ${startMs} ms)`)
    }
    return promise
  }
}
