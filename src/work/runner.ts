/**
 * The runner: decides which tasks this node claims (claim-decision.ts, under
 * the leases of leases.ts), starts and stops their runs (run-loop.ts does
 * what a run does), hands what is left to undo to the settler (settler.ts),
 * and archives finished tasks past their retention. It reacts to every
 * change of a task (local or from a peer) and of the view, and ticks on the
 * node's clock: every heartbeat, and at the exact moment a lease ends.
 *
 * What stops a run here (through its ctx.signal):
 *   fenced     a higher claim arrived (TaskFencedError): after a merge every
 *              node recomputes the winner (fencing.ts), and a loser still
 *              going stops; a result it returns anyway is kept as a duplicate.
 *   cancelled  the task was cancelled (TaskCancelledError).
 *   lease      this node has been on a minority side past the grace under
 *              `majority` (LeaseLostError): see leases.ts for why that keeps
 *              runs of one task from overlapping.
 *   stop       the node stops (NodeStoppedError).
 */
import type { Env, Timer } from '../env/types.ts'
import { NodeStoppedError } from '../errors.ts'
import type { ClusterView } from '../membership/membership.ts'
import type { QuorumView } from '../membership/quorum.ts'
import type { TaskState } from './board-model.ts'
import { type ClaimReason, decideClaim } from './claim-decision.ts'
import { LeaseLostError, TaskCancelledError, TaskFencedError } from './errors.ts'
import { highestToken, nextEpoch, sameToken } from './fencing.ts'
import { type DegradationSink, KindGuards } from './kind-guards.ts'
import { LeaseTracker } from './leases.ts'
import { rendezvousOwner } from './rendezvous.ts'
import { executeRun, type RunStats } from './run-loop.ts'
import { Settler } from './settler.ts'
import { StepCompensators } from './step-compensators.ts'
import type { TaskBoard } from './task-board.ts'
import { TaskRun } from './task-context.ts'
import type { Degradation, TaskNode, WorkOptions } from './types.ts'
import { LatencyHistogram, type WorkMetricsSnapshot } from './work-metrics.ts'

export { ATTEMPT_TIMEOUT_MS_DEFAULT, MAX_ATTEMPTS_DEFAULT } from './run-loop.ts'

/** Runs at once on one node, beyond any bulkhead: a runaway board must not fork without end. */
export const RUNS_PER_NODE_MAX = 10_000
/** Tasks archived in one change: a backlog is archived over several ticks, never in one huge change. */
export const ARCHIVE_BATCH_MAX = 500

/** What the runner counts beside its runs (metrics read them). */
export interface RunnerStats extends RunStats {
  claims: Record<ClaimReason, number>
  resumedFromCheckpoint: number
  leaseAborts: number
}

export class Runner {
  readonly #env: Env
  readonly #self: string
  readonly #board: TaskBoard
  readonly #options: WorkOptions
  readonly #node: TaskNode
  readonly #view: () => ClusterView
  /** The membership's votes, computed only where a decision reads them (absent: the view decides alone). */
  readonly #quorum: (() => QuorumView) | undefined
  readonly #tickMs: number
  readonly #runs = new Map<string, TaskRun>()
  /** Tasks whose claim is being written: not considered again meanwhile. */
  readonly #claiming = new Set<string>()
  readonly #leases: LeaseTracker
  readonly #guards: KindGuards
  readonly #compensators = new StepCompensators()
  readonly #settler: Settler
  readonly mttr = new LatencyHistogram()
  readonly detectionToReowned = new LatencyHistogram()
  readonly stats: RunnerStats = {
    claims: { pending: 0, resume: 0, takeover: 0 },
    completed: 0,
    attemptsFailed: 0,
    retries: 0,
    failed: 0,
    aborted: 0,
    fallbacks: 0,
    stepsReplayed: 0,
    sagaCompensations: 0,
    compensationsFailed: 0,
    resumedFromCheckpoint: 0,
    leaseAborts: 0,
  }
  #timer: Timer | undefined
  #deadline: { atMs: number; timer: Timer } | undefined
  #unsubscribe: (() => void) | undefined
  #running = false
  #archiving = false

  constructor(init: {
    env: Env
    self: string
    board: TaskBoard
    options: WorkOptions
    node: TaskNode
    view: () => ClusterView
    /** The membership's votes (absent: this node's own view decides alone, as in unit tests). */
    quorum?: () => QuorumView
    tickMs: number
    /** The node's degradation holder (breakers per kind feed it). */
    degradation?: DegradationSink
  }) {
    this.#env = init.env
    this.#self = init.self
    this.#board = init.board
    this.#options = init.options
    this.#node = init.node
    this.#view = init.view
    this.#quorum = init.quorum
    this.#tickMs = init.tickMs
    this.#leases = new LeaseTracker({ leaseMs: init.options.leaseMs, policy: init.options.partitionPolicy })
    this.#guards = new KindGuards(init.env, init.options.handlers, init.degradation)
    this.#settler = new Settler({
      env: init.env,
      self: init.self,
      board: init.board,
      handlers: init.options.handlers,
      node: init.node,
      compensators: this.#compensators,
      degradation: () => this.#degradation(),
    })
  }

  start(): void {
    if (this.#running) return
    this.#running = true
    this.#unsubscribe = this.#board.subscribe((state) => this.#consider(state, this.#view()))
    this.#arm()
    this.scan()
  }

  /** Aborts every run and settlement (they write nothing more) and stops reacting. */
  stop(): void {
    this.#running = false
    this.#timer?.cancel()
    this.#deadline?.timer.cancel()
    this.#unsubscribe?.()
    this.#settler.stop()
    for (const run of this.#runs.values()) run.controller.abort(new NodeStoppedError('the node stopped'))
    this.#runs.clear()
  }

  /** Runs here now, by task id: for tests and the simulator's checkers. */
  runningHere(): string[] {
    return [...this.#runs.keys()]
  }

  /** What keeps this node's work from being settled: runs, claims being written, compensations. */
  pendingWork(): string[] {
    const reasons: string[] = []
    if (this.#runs.size > 0) reasons.push(`tasks: ${this.#runs.size} running here`)
    if (this.#claiming.size > 0) reasons.push(`tasks: ${this.#claiming.size} claims in flight`)
    if (this.#settler.inProgress > 0) reasons.push(`tasks: ${this.#settler.inProgress} being settled here`)
    // Holding claims and settlements for at most leaseMs after (re)joining: work waits on it.
    const waiting = this.#board.active().length + this.#board.unsettled().length
    if (this.#leases.own === 'rejoining' && waiting > 0) reasons.push('tasks: lease rejoining')
    return reasons
  }

  /** Looks at the leases, then every unfinished or unsettled task, then the archive (view change, tick, lease end). */
  scan(): void {
    if (!this.#running) return
    const view = this.#view()
    this.#observeLeases(view)
    for (const state of this.#board.active()) this.#consider(state, view)
    for (const state of this.#board.unsettled()) this.#settle(state, view)
    this.#archive(view)
  }

  /** The work layer's numbers (node.metrics().work). */
  metrics(): WorkMetricsSnapshot {
    const s = this.#settler.stats
    const byStatus: Record<string, number> = {}
    let duplicateRuns = 0
    for (const state of this.#board.states()) {
      byStatus[state.status] = (byStatus[state.status] ?? 0) + 1
      duplicateRuns += state.duplicates.length
    }
    return {
      takeovers: this.stats.claims.takeover,
      resumes: this.stats.claims.resume,
      claims: this.stats.claims.pending + this.stats.claims.resume + this.stats.claims.takeover,
      resumedFromCheckpoint: this.stats.resumedFromCheckpoint,
      mttrMs: this.mttr.snapshot(),
      detectionToReownedMs: this.detectionToReowned.snapshot(),
      duplicateRuns,
      compensations: s.runCompensations + s.stepCompensations + this.stats.sagaCompensations,
      compensationsFailed: s.compensationsFailed + this.stats.compensationsFailed,
      stepCompensationsMissing: s.stepCompensationsMissing,
      retries: this.stats.retries,
      attemptsFailed: this.stats.attemptsFailed,
      fallbacks: this.stats.fallbacks,
      stepsReplayed: this.stats.stepsReplayed,
      leaseAborts: this.stats.leaseAborts,
      breakers: this.#guards.breakerStates(),
      tasksByStatus: byStatus,
      archived: this.#board.archivedCount,
      // The board only removes a task by archiving it, and only a finished, settled one: no path loses one.
      lostTasks: 0,
    }
  }

  #arm(): void {
    this.#timer = this.#env.clock.setTimer(this.#tickMs, () => {
      if (!this.#running) return
      try {
        this.scan()
      } finally {
        this.#arm()
      }
    })
  }

  /** Feeds the view to the leases; a lost lease aborts every run here; the next lease end gets a timer. */
  #observeLeases(view: ClusterView): void {
    const now = this.#env.clock.now()
    const votes = this.#quorum?.()
    this.#leases.observe(
      votes === undefined
        ? view
        : { ...view, heardByMajority: votes.heardByMajority, lostByMajority: votes.lostByMajority },
      now,
    )
    if (this.#leases.own === 'lost') {
      for (const run of this.#runs.values()) {
        if (run.controller.signal.aborted) continue
        this.stats.leaseAborts++
        run.controller.abort(new LeaseLostError(run.taskId, this.#options.leaseMs))
      }
    }
    const next = this.#leases.nextDeadlineMs()
    if (next === undefined || this.#deadline?.atMs === next) return
    this.#deadline?.timer.cancel()
    this.#deadline = {
      atMs: next,
      // At least 1 ms: a deadline a rounding error away would otherwise re-arm at the same instant.
      timer: this.#env.clock.setTimer(Math.max(1, next - now), () => {
        this.#deadline = undefined
        this.scan()
      }),
    }
  }

  #consider(state: TaskState, view: ClusterView): void {
    if (!this.#running) return
    const run = this.#runs.get(state.id)
    if (run !== undefined) this.#fence(run, state)
    this.#settle(state, view)
    if (run !== undefined || this.#claiming.has(state.id) || this.#runs.size >= RUNS_PER_NODE_MAX) return
    const hasHandler = Object.hasOwn(this.#options.handlers, state.kind)
    const lostByMajority = this.#lazyLostByMajority()
    const decision = decideClaim({
      task: state,
      view,
      policy: this.#options.partitionPolicy,
      hasHandler,
      runningHere: false,
      ownLease: this.#leases.own,
      peerLeases: this.#leases.peers(),
      hasCapacity: hasHandler ? this.#guards.get(state.kind)?.hasCapacity() : true,
      ...(lostByMajority === undefined ? {} : { lostByMajority }),
    })
    if (decision.claim) void this.#claim(state, decision.reason, decision.aboveUnseen !== undefined)
  }

  /** The votes' check, counted once and only if a decision asks: #consider runs on every board change. */
  #lazyLostByMajority(): ((id: string) => boolean) | undefined {
    const quorum = this.#quorum
    if (quorum === undefined) return undefined
    let votes: QuorumView | undefined
    return (id) => {
      votes ??= quorum()
      return votes.lostByMajority(id)
    }
  }

  /** Hands the task to the settler if something is due (it decides whether this node does it). */
  #settle(state: TaskState, view: ClusterView): void {
    if (this.#leases.own !== 'held') return
    const peerLeases = this.#leases.peers()
    const sagaHere = this.#runs.has(state.id)
    const dead = view.members.filter((m) => m.status === 'dead').map((m) => m.id)
    this.#settler.settle(state, { self: this.#self, reachable: view.reachable, peerLeases, dead }, sagaHere)
  }

  /** Aborts a run here whose claim lost or whose task was cancelled. */
  #fence(run: TaskRun, state: TaskState): void {
    if (run.controller.signal.aborted) return
    const winner = highestToken(state.claims)
    if (state.status === 'cancelled') run.controller.abort(new TaskCancelledError(state.id))
    else if (winner === undefined || !sameToken(winner, run.token))
      run.controller.abort(new TaskFencedError(state.id, run.token.epoch, winner))
  }

  /** `aboveUnseen`: a peer may hold a claim this node never saw (claim-decision.ts): one epoch more. */
  async #claim(state: TaskState, reason: ClaimReason, aboveUnseen = false): Promise<void> {
    const guard = this.#guards.get(state.kind)
    this.#claiming.add(state.id)
    if (guard) guard.claiming++
    const run = new TaskRun({
      taskId: state.id,
      token: { epoch: nextEpoch(state.claims) + (aboveUnseen ? 1 : 0), node: this.#self },
      board: this.#board,
      onStep: (step) => {
        if (step.compensate)
          this.#compensators.register(state.id, state.kind, step.run, step.name, step.compensate)
      },
    })
    try {
      await this.#board.write(state.id, [run.claimEvent()])
    } catch (error) {
      // The claim is not durable: no run. The next tick decides again.
      this.#env.log.log('warn', 'task claim failed', { task: state.id, error: String(error) })
      return
    } finally {
      this.#claiming.delete(state.id)
      if (guard) guard.claiming--
    }
    const now = this.#board.state(state.id)
    const winner = now && highestToken(now.claims)
    if (!this.#running || now === undefined || winner === undefined || !sameToken(winner, run.token)) return
    if (this.#runs.has(state.id)) return
    this.#started(state, now, reason)
    this.#runs.set(state.id, run)
    const deps = {
      env: this.#env,
      self: this.#self,
      board: this.#board,
      handlers: this.#options.handlers,
      guards: this.#guards,
      node: this.#node,
      degradation: () => this.#degradation(),
      stats: this.stats,
    }
    executeRun(run, deps)
      .catch((error: unknown) => {
        // A write of the run's own events failed (the store): the claim stays ours, so the next tick resumes it.
        this.#env.log.log('warn', 'task run ended on an error', { task: run.taskId, error: String(error) })
      })
      .finally(() => {
        if (this.#runs.get(run.taskId) === run) this.#runs.delete(run.taskId)
        this.stats.stepsReplayed += run.replayed
        // A bulkhead slot or the run bound freed: tasks that waited for capacity are looked at again.
        if (this.#running) queueMicrotask(() => this.scan())
      })
  }

  /** Counts a run that starts: its claim's reason, a resume from a checkpoint, a takeover's latencies. */
  #started(before: TaskState, now: TaskState, reason: ClaimReason): void {
    this.stats.claims[reason]++
    if (reason !== 'pending' && now.lastCheckpoint !== undefined) this.stats.resumedFromCheckpoint++
    if (reason !== 'takeover' || before.owner === undefined) return
    const detection = this.#leases.detection(before.owner)
    if (detection === undefined) return
    const at = this.#env.clock.now()
    this.mttr.record(at - detection.lostAtMs)
    this.detectionToReowned.record(at - detection.detectedAtMs)
  }

  /**
   * Archives finished, settled tasks past their retention (oldest first, a
   * batch at a time), those this node is the rendezvous owner of among the
   * reachable members, so one node does each (two doing it is harmless).
   */
  #archive(view: ClusterView): void {
    if (this.#archiving || this.#leases.own !== 'held') return
    const now = this.#env.clock.now()
    const due: string[] = []
    for (const [id, atMs] of this.#board.finished()) {
      if (now - atMs < this.#options.taskRetentionMs || due.length >= ARCHIVE_BATCH_MAX) break
      const state = this.#board.state(id)
      if (state === undefined || this.#runs.has(id) || this.#board.isUnsettled(id)) continue
      if (rendezvousOwner(id, view.reachable) === this.#self) due.push(id)
    }
    if (due.length === 0) return
    this.#archiving = true
    this.#board
      .archive(due)
      .then(() => {
        for (const id of due) this.#compensators.forget(id)
      })
      .catch((error: unknown) => {
        // Not archived: they stay finished on the board, and the next tick tries again.
        this.#env.log.log('warn', 'tasks not archived', { tasks: due.length, error: String(error) })
      })
      .finally(() => {
        this.#archiving = false
      })
  }

  #degradation(): Degradation {
    return degradationOf(this.#view())
  }
}

/**
 * The node's degradation as handlers see it: the view's own (src/node/degradation.ts,
 * breakers included) when the node gives one; else read from reachability.
 */
export function degradationOf(view: ClusterView): Degradation {
  const own = (view as ClusterView & { degradation?: Degradation }).degradation
  if (own !== undefined) return own
  if (view.members.length > 0 && view.reachable.length === 1)
    return { level: 'minimal', reasons: ['no reachable peer'] }
  if (!view.majority) return { level: 'degraded', reasons: ['minority side'] }
  return { level: 'full', reasons: [] }
}
