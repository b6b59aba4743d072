/**
 * One scenario run, as a property test or the CLI runs it: a safety phase
 * with the fault plan and workload (checkers watch every step), then a
 * liveness phase (heal every link, restart every crashed node) in which the
 * nodes must settle and the quiescence invariants hold within
 * `livenessMsMax`. Every workload operation's outcome is traced and counted;
 * a failure the injected faults do not explain, or a run that acknowledged
 * nothing, is a violation. Returns a verdict (with the scenario file that
 * replays it); never throws for a violated invariant.
 */
import { seededRandom } from '../src/env/seeded-random.ts'
import { viewsHealed } from './agent-invariants.ts'
import { AGENT_OPS, applyWrite, parseAgentOpArgs } from './agent-workload.ts'
import type { Invariant, Violation } from './checkers.ts'
import type { SimStoreOptions } from './durable-store.ts'
import { ScenarioError } from './errors.ts'
import type { FaultStep } from './fault-plan.ts'
import type { NetworkOptions } from './network-options.ts'
import type { SimNodeLike } from './node-host.ts'
import { nodeIdsOf } from './node-ids.ts'
import { OpOutcomes } from './op-outcomes.ts'
import { SCENARIO_FILE_VERSION, type ScenarioFile } from './scenario-file.ts'
import { type SimFigures, Simulation, type SimulationOptions } from './simulation.ts'
import { drawSwarm, type SwarmDraw, swarmPlan } from './swarm.ts'
import { type SimTaskOptions, takeoverBoundMs, withSimTasks } from './task-scenario.ts'
import { parseWorkload, type WorkloadOp } from './workload.ts'

export interface ScenarioOptions<N extends SimNodeLike = SimNodeLike, O = Record<string, unknown>>
  extends Omit<SimulationOptions<N, O>, 'network'> {
  network?: NetworkOptions
  /** Faults to apply (validated). */
  plan?: unknown
  /** Client operations to apply (validated), each through `applyOp`. */
  workload?: unknown
  /**
   * Applies one workload operation to a running node. Its promise may settle
   * later or never; a rejection is traced and counted. Default: real nodes'
   * `write` (agent-workload.ts), and then only `write` operations parse.
   */
  applyOp?: (node: N, op: WorkloadOp, sim: Simulation<N>) => unknown
  /** With your own `applyOp`: the operation names it understands (others are rejected at parse time). */
  workloadOps?: readonly string[]
  /** Draw network options and a fault plan from the seed (added to `network` and `plan`). */
  swarm?: boolean
  /** Length of the safety phase. Default: 1 s after the last planned step, at least 5 s. */
  durationMs?: number
  /** Bound on the liveness phase: the quiescence invariants must hold by then. Default 30 s. */
  livenessMsMax?: number
  /** How often the liveness phase evaluates the quiescence invariants. Default 100 ms. */
  livenessCheckEveryMs?: number
  /**
   * Install the simulator's task handlers (task-handlers.ts) on every node,
   * with these timings, for `submit` operations to run. The liveness bound
   * then allows at least a takeover (see `takeoverBoundMs`).
   */
  tasks?: SimTaskOptions
}

/** What a run did, for verdicts and reports. */
export type VerdictFigures = SimFigures & {
  safetyMs: number
  livenessMs: number
  converged: boolean
  /** Workload operations acknowledged (their promise resolved). */
  opsDone: number
  /** Workload operations that failed (each traced as `op-error`). */
  opErrors: number
  /** Failures the injected faults do not explain (each a violation). */
  opErrorsUnexplained: number
}

/** The outcome of one scenario. */
export interface Verdict {
  ok: boolean
  seed: number
  traceHash: string
  violations: Violation[]
  figures: VerdictFigures
  /** What the seed drew, when `swarm` was on. */
  swarm?: SwarmDraw
  /** Every option the run used, as the scenario file that replays it (`isthmus sim --plan FILE --seed S`). */
  replay: ScenarioFile
}

function safetyMsFor(durationMs: number | undefined, plan: FaultStep[], ops: WorkloadOp[]): number {
  if (durationMs !== undefined) return durationMs
  const lastMs = Math.max(0, ...plan.map((s) => s.atMs), ...ops.map((op) => op.atMs))
  return Math.max(5000, lastMs + 1000)
}

/** Parses the workload, rejecting operations the node side does not know, naming them. */
function parseOps(o: ScenarioOptions<SimNodeLike, unknown>, ids: readonly string[]): WorkloadOp[] {
  const ops = parseWorkload(o.workload ?? [], ids)
  const known = o.applyOp === undefined ? AGENT_OPS : o.workloadOps
  ops.forEach((op, i) => {
    if (known !== undefined && !known.includes(op.op))
      throw new ScenarioError(
        `workload[${i}].op`,
        `unknown operation ${JSON.stringify(op.op)} (known: ${known.join(', ')})`,
      )
    if (o.applyOp === undefined) parseAgentOpArgs(op.op, op.args, `workload[${i}].args`)
  })
  return ops
}

function errorText(error: unknown): { error: string; message: string } {
  return error instanceof Error
    ? { error: error.name, message: error.message }
    : { error: typeof error, message: String(error) }
}

function scheduleWorkload<N extends SimNodeLike>(
  sim: Simulation<N>,
  ops: WorkloadOp[],
  applyOp: (node: N, op: WorkloadOp, sim: Simulation<N>) => unknown,
  outcomes: OpOutcomes,
): void {
  ops.forEach((op, index) => {
    sim.at(op.atMs, op.node, () => {
      const t = sim.nowMs
      if (sim.status(op.node) !== 'running') {
        const skipped = `${op.node} is ${sim.status(op.node)}`
        sim.record({ t, k: 'op', node: op.node, op: op.op, args: op.args, skipped })
        return false
      }
      sim.record({ t, k: 'op', node: op.node, op: op.op, args: op.args })
      const issuedAtMs = t
      let result: Promise<unknown>
      try {
        result = Promise.resolve(applyOp(sim.node(op.node), op, sim))
      } catch (error) {
        result = Promise.reject(error)
      }
      const settled = outcomes.issued(op.node, issuedAtMs)
      result.then(
        () => {
          settled()
          outcomes.done++
          sim.record({ t: sim.nowMs, k: 'op-done', node: op.node, op: op.op, index })
        },
        (error: unknown) => {
          settled()
          outcomes.failed++
          const expected = outcomes.explains(error, op.node, issuedAtMs, sim)
          if (expected) outcomes.explained++
          const { error: name, message } = errorText(error)
          sim.record({
            t: sim.nowMs,
            k: 'op-error',
            node: op.node,
            op: op.op,
            index,
            error: name,
            message,
            expected,
          })
          if (!expected) {
            outcomes.unexplained++
            sim.checkers.report(
              'op-error',
              `${op.op} #${index} on ${op.node}: ${name}: ${message}`,
              sim.nowMs,
            )
          }
        },
      )
      return true
    })
  })
}

/** The liveness phase: recover, then run until every node is up and settled and every invariant holds. */
async function liveness<N extends SimNodeLike>(
  sim: Simulation<N>,
  maxMs: number,
  everyMs: number,
): Promise<{ converged: boolean; unsettled: string[] }> {
  sim.phase('liveness')
  sim.recover()
  const startMs = sim.nowMs
  for (;;) {
    await sim.runFor(everyMs)
    const down = sim.ids.filter((id) => sim.status(id) !== 'running').map((id) => `${id} ${sim.status(id)}`)
    // Real nodes must also be settled (no pending work, reachable pairs equal); a test protocol's
    // frames are always in flight, so for it the invariants alone decide.
    const unsettled = [...down, ...(sim.agentChecks ? sim.unsettled() : [])]
    const failing = unsettled.length === 0 ? sim.checkers.atQuiescence(sim, sim.nowMs) : []
    if (unsettled.length === 0 && failing.length === 0) return { converged: true, unsettled }
    // Settled but an invariant still fails: name it, so the liveness violation says why.
    const why =
      unsettled.length > 0
        ? unsettled
        : [`still failing: ${[...new Set(failing.map((v) => v.invariant))].join(', ')}`]
    if (sim.nowMs - startMs >= maxMs) return { converged: false, unsettled: why }
  }
}

/** Node options as JSON (functions such as task handlers cannot be replayed from a file and are left out). */
function jsonOf(value: unknown): Record<string, unknown> | undefined {
  if (value === undefined) return undefined
  return JSON.parse(JSON.stringify(value)) as Record<string, unknown>
}

function replayFile(
  o: ScenarioOptions<SimNodeLike, unknown>,
  ids: readonly string[],
  safetyMs: number,
  plan: FaultStep[],
  ops: WorkloadOp[],
): ScenarioFile {
  const file: ScenarioFile = {
    version: SCENARIO_FILE_VERSION,
    seed: o.seed,
    nodes: [...ids],
    durationMs: safetyMs,
    livenessMsMax: o.livenessMsMax ?? 30_000,
    network: o.network ?? {},
    swarm: o.swarm ?? false,
    storeSyncMs: o.storeSyncMs ?? 0,
    store: (o.storeOptions ?? {}) as SimStoreOptions,
    plan,
    workload: ops,
  }
  const node = jsonOf(o.node)
  if (node !== undefined) file.node = node
  if (o.tasks !== undefined) file.tasks = o.tasks
  return file
}

/** Runs one scenario and returns its verdict. */
export async function runScenario<N extends SimNodeLike = SimNodeLike, O = Record<string, unknown>>(
  options: ScenarioOptions<N, O>,
): Promise<Verdict> {
  const o = options as ScenarioOptions<N, unknown>
  const base = options as unknown as ScenarioOptions<SimNodeLike, unknown>
  const ops = parseOps(base, nodeIdsOf(o.nodes))
  const outcomes = new OpOutcomes()
  const swarm = o.swarm ? drawSwarm(seededRandom(o.seed).fork('swarm')) : undefined
  const sim = await Simulation.create<N, unknown>({
    ...o,
    ...(o.tasks === undefined ? {} : { node: withSimTasks(o.node, o.tasks) }),
    network: { ...swarm?.network, ...o.network },
    invariants: [...(o.invariants ?? []), outcomes.observer() as Invariant<Simulation<N>>],
  })
  if (sim.agentChecks && !sim.checkers.names().includes('views-healed'))
    sim.checkers.add(viewsHealed() as Invariant<Simulation<N>>)
  const given = o.plan === undefined ? [] : sim.schedule(o.plan)
  const safetyMs = safetyMsFor(o.durationMs, given, ops)
  if (swarm !== undefined) {
    const drawn = swarmPlan(sim.ids, safetyMs, swarm.rates, seededRandom(o.seed).fork('swarm-plan'))
    sim.schedule(drawn)
    sim.record({ t: sim.nowMs, k: 'options', seed: o.seed, options: { swarm } })
  }
  const applyOp = o.applyOp ?? (applyWrite() as unknown as NonNullable<typeof o.applyOp>)
  scheduleWorkload(sim, ops, applyOp, outcomes)
  sim.phase('safety')
  await sim.runFor(safetyMs)
  const startMs = sim.nowMs
  const livenessMs = Math.max(o.livenessMsMax ?? 30_000, o.tasks ? takeoverBoundMs(o.node) : 0)
  const live = await liveness(sim, livenessMs, o.livenessCheckEveryMs ?? 100)
  sim.phase('done')
  const { violations } = sim.check()
  if (!live.converged) {
    const detail = `not settled ${sim.nowMs - startMs} ms into the liveness phase: ${live.unsettled.slice(0, 8).join('; ')}`
    violations.push({ invariant: 'liveness', detail, atMs: sim.nowMs })
  }
  if (ops.length > 0 && outcomes.done === 0 && !outcomes.nothingAckedExplained()) {
    const detail = `none of ${ops.length} workload operations was acknowledged (${outcomes.failed} failed)`
    violations.push({ invariant: 'workload-acked', detail, atMs: sim.nowMs })
  }
  const figures: VerdictFigures = {
    ...sim.figures(),
    safetyMs,
    livenessMs: sim.nowMs - startMs,
    converged: live.converged,
    opsDone: outcomes.done,
    opErrors: outcomes.failed,
    opErrorsUnexplained: outcomes.unexplained,
  }
  const verdict: Verdict = {
    ok: violations.length === 0,
    seed: o.seed,
    traceHash: sim.traceHash(),
    violations,
    figures,
    replay: replayFile(base, sim.ids, safetyMs, given, ops),
  }
  if (swarm !== undefined) verdict.swarm = swarm
  return verdict
}
