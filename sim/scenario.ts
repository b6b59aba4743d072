/**
 * One scenario run, as a property test or the CLI runs it: a safety phase
 * with the fault plan and workload (checkers watch every step), then a
 * liveness phase (heal every link, restart every crashed node) in which the
 * quiescence invariants must come to hold within `livenessMsMax`. Returns a
 * verdict; never throws for a violated invariant.
 */
import { seededRandom } from '../src/env/seeded-random.ts'
import type { Violation } from './checkers.ts'
import { ScenarioError } from './errors.ts'
import type { FaultStep } from './fault-plan.ts'
import type { NetworkOptions } from './network-options.ts'
import type { SimNodeLike } from './node-host.ts'
import { type SimFigures, Simulation, type SimulationOptions } from './simulation.ts'
import { drawSwarm, type SwarmDraw, swarmPlan } from './swarm.ts'
import { parseWorkload, type WorkloadOp } from './workload.ts'

export interface ScenarioOptions<N extends SimNodeLike = SimNodeLike, O = Record<string, unknown>>
  extends Omit<SimulationOptions<N, O>, 'network'> {
  network?: NetworkOptions
  /** Faults to apply (validated). */
  plan?: unknown
  /** Client operations to apply (validated), each through `applyOp`. */
  workload?: unknown
  /** Applies one workload operation to a running node. Its promise may settle later or never. */
  applyOp?: (node: N, op: WorkloadOp, sim: Simulation<N>) => unknown
  /** Draw network options and a fault plan from the seed (added to `network` and `plan`). */
  swarm?: boolean
  /** Length of the safety phase. Default: 1 s after the last planned step, at least 5 s. */
  durationMs?: number
  /** Bound on the liveness phase: the quiescence invariants must hold by then. Default 30 s. */
  livenessMsMax?: number
  /** How often the liveness phase evaluates the quiescence invariants. Default 100 ms. */
  livenessCheckEveryMs?: number
}

/** The outcome of one scenario. */
export interface Verdict {
  ok: boolean
  seed: number
  traceHash: string
  violations: Violation[]
  figures: SimFigures & { safetyMs: number; livenessMs: number; converged: boolean }
  /** What the seed drew, when `swarm` was on. */
  swarm?: SwarmDraw
}

function safetyMsFor(durationMs: number | undefined, plan: FaultStep[], ops: WorkloadOp[]): number {
  if (durationMs !== undefined) return durationMs
  const lastMs = Math.max(0, ...plan.map((s) => s.atMs), ...ops.map((op) => op.atMs))
  return Math.max(5000, lastMs + 1000)
}

function scheduleWorkload<N extends SimNodeLike>(
  sim: Simulation<N>,
  ops: WorkloadOp[],
  applyOp: ScenarioOptions<N, unknown>['applyOp'],
): void {
  if (ops.length > 0 && applyOp === undefined) throw new ScenarioError('applyOp', 'a workload needs applyOp')
  for (const op of ops) {
    sim.at(op.atMs, op.node, () => {
      const t = sim.nowMs
      if (sim.status(op.node) !== 'running') {
        sim.record({
          t,
          k: 'op',
          node: op.node,
          op: op.op,
          args: op.args,
          skipped: `${op.node} is ${sim.status(op.node)}`,
        })
        return false
      }
      sim.record({ t, k: 'op', node: op.node, op: op.op, args: op.args })
      Promise.resolve(applyOp?.(sim.node(op.node), op, sim)).catch(() => {})
      return true
    })
  }
}

/** Settled: every node is running again and every quiescence invariant holds. */
function settled<N extends SimNodeLike>(sim: Simulation<N>): boolean {
  return (
    sim.ids.every((id) => sim.status(id) === 'running') &&
    sim.checkers.atQuiescence(sim, sim.nowMs).length === 0
  )
}

/** The liveness phase: recover, then run until settled or the bound passes. */
async function liveness<N extends SimNodeLike>(
  sim: Simulation<N>,
  maxMs: number,
  everyMs: number,
): Promise<boolean> {
  sim.phase('liveness')
  sim.recover()
  const startMs = sim.nowMs
  for (;;) {
    await sim.runFor(everyMs)
    if (settled(sim)) return true
    if (sim.nowMs - startMs >= maxMs) return false
  }
}

/** Runs one scenario and returns its verdict. */
export async function runScenario<N extends SimNodeLike = SimNodeLike, O = Record<string, unknown>>(
  options: ScenarioOptions<N, O>,
): Promise<Verdict> {
  const o = options as ScenarioOptions<N, unknown>
  const swarm = o.swarm ? drawSwarm(seededRandom(o.seed).fork('swarm')) : undefined
  const sim = await Simulation.create<N, unknown>({ ...o, network: { ...swarm?.network, ...o.network } })
  const ops = parseWorkload(o.workload ?? [], sim.ids)
  const given = o.plan === undefined ? [] : sim.schedule(o.plan)
  const safetyMs = safetyMsFor(o.durationMs, given, ops)
  if (swarm !== undefined) {
    const drawn = swarmPlan(sim.ids, safetyMs, swarm.rates, seededRandom(o.seed).fork('swarm-plan'))
    sim.schedule(drawn)
    sim.record({ t: sim.nowMs, k: 'options', seed: o.seed, options: { swarm } })
  }
  scheduleWorkload(sim, ops, o.applyOp)
  sim.phase('safety')
  await sim.runFor(safetyMs)
  const startMs = sim.nowMs
  const converged = await liveness(sim, o.livenessMsMax ?? 30_000, o.livenessCheckEveryMs ?? 100)
  sim.phase('done')
  const { violations } = sim.check()
  if (!converged) {
    const down = sim.ids.filter((id) => sim.status(id) !== 'running').map((id) => `${id} ${sim.status(id)}`)
    const detail = `not settled ${sim.nowMs - startMs} ms into the liveness phase${down.length > 0 ? ` (${down.join(', ')})` : ''}`
    violations.push({ invariant: 'liveness', detail, atMs: sim.nowMs })
  }
  const figures = { ...sim.figures(), safetyMs, livenessMs: sim.nowMs - startMs, converged }
  const verdict: Verdict = {
    ok: violations.length === 0,
    seed: o.seed,
    traceHash: sim.traceHash(),
    violations,
    figures,
  }
  if (swarm !== undefined) verdict.swarm = swarm
  return verdict
}
