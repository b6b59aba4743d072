/**
 * What one `isthmus sim` invocation runs, resolved from its arguments into
 * plain data (a worker thread gets a copy): the node ids, the phases, the
 * network, the fault plan and, when a file gives one, the workload. A
 * scenario file's problems become `UsageError`s naming the field, e.g.
 * `scenario.plan[0].args[0]: unknown node "n9" (…) in bad.json`.
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import type { SimStoreOptions } from '../sim/durable-store.ts'
import { ScenarioError } from '../sim/errors.ts'
import { type FaultStep, parseFaultPlan } from '../sim/fault-plan.ts'
import type { NetworkOptions } from '../sim/network-options.ts'
import { nodeIdsOf } from '../sim/node-ids.ts'
import { parseScenarioFile, type ScenarioFile } from '../sim/scenario-file.ts'
import { findScenario, type NamedScenario, scenarioDefaults, scenarioNames } from '../sim/scenarios/index.ts'
import type { SimTaskOptions } from '../sim/task-scenario.ts'
import type { TaskWorkloadOptions } from '../sim/task-workload.ts'
import type { WorkloadOp } from '../sim/workload.ts'
import { NODES_DEFAULT, type SimArgs } from './sim-args.ts'
import { UsageError } from './usage-error.ts'

export interface RunSpec {
  /** The scenario's name, or the file it came from. */
  name: string
  summary: string
  ids: string[]
  durationMs: number
  livenessMsMax: number
  network: NetworkOptions
  storeSyncMs: number
  /** Compaction thresholds of every node's store. */
  store: SimStoreOptions
  /** Node options a scenario file gives (over the protocol's own: heartbeatMs, members). */
  nodeOptions: Record<string, unknown> | undefined
  swarm: boolean
  plan: FaultStep[]
  /** The file's workload; undefined: each seed draws writes every ~`writeEveryMs`. */
  workload: WorkloadOp[] | undefined
  writeEveryMs: number
  heartbeatMs: number
  /** The arguments that rebuild this spec (a replay command adds `--seed`). */
  replayArgs: string[]
  /** The seed a scenario file names, used when `--seed` is absent. */
  fileSeed: number | undefined
  // --- task work (issue 10, sim/scenarios/tasks.ts): plain data, so a worker thread gets it ---
  /** The simulator's task handlers on every node, and (named scenarios) the submissions each seed draws. */
  tasks: { handlers: SimTaskOptions; workload: TaskWorkloadOptions | undefined } | undefined
}

/** The heartbeat every simulated node runs at (BENCHMARKS.md #6: 250 ms). */
export const HEARTBEAT_MS_DEFAULT = 250
/** A scenario file without a liveness bound gets runScenario's default. */
const fileLivenessMsMax = 30_000

/** The one command that replays `seed` of `spec`. */
export function replayCommandOf(spec: RunSpec, seed: number): string {
  return ['npx isthmus sim', ...spec.replayArgs, '--seed', String(seed)].join(' ')
}

function readJson(path: string, option: string): unknown {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new UsageError(
      `${option}: cannot read ${JSON.stringify(path)} (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    )
  }
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new UsageError(`${option}: ${JSON.stringify(path)} is not JSON (${(error as Error).message})`)
  }
}

/** Runs `fn`, turning a `ScenarioError` into a one-line `UsageError` under `prefix`. */
function naming<T>(prefix: string, suffix: string, fn: () => T): T {
  try {
    return fn()
  } catch (error) {
    if (error instanceof ScenarioError) throw new UsageError(`${prefix}${error.message}${suffix}`)
    throw error
  }
}

/** runScenario's default safety phase: 1 s after the last step, at least 5 s. */
function safetyMsOf(plan: readonly FaultStep[], workload: readonly WorkloadOp[] | undefined): number {
  const lastMs = Math.max(0, ...plan.map((s) => s.atMs), ...(workload ?? []).map((op) => op.atMs))
  return Math.max(5000, lastMs + 1000)
}

function fileSpec(args: SimArgs, path: string, option: '--scenario' | '--plan', json: unknown): RunSpec {
  const withNodes =
    args.nodes !== undefined && typeof json === 'object' && json !== null
      ? { ...json, nodes: args.nodes }
      : json
  const file: ScenarioFile = naming('scenario.', ` in ${path}`, () => parseScenarioFile(withNodes))
  const ids = nodeIdsOf(file.nodes)
  const replayArgs = [option, path]
  if (args.nodes !== undefined) replayArgs.push('--nodes', String(args.nodes))
  if (args.durationMs !== undefined) replayArgs.push('--duration', String(args.durationMs))
  return {
    name: path,
    summary: `scenario file ${path}`,
    ids,
    durationMs: args.durationMs ?? file.durationMs ?? safetyMsOf(file.plan, file.workload),
    livenessMsMax: file.livenessMsMax ?? fileLivenessMsMax,
    network: file.network ?? {},
    storeSyncMs: file.storeSyncMs ?? 0,
    store: file.store ?? {},
    nodeOptions: file.node,
    tasks: file.tasks === undefined ? undefined : { handlers: file.tasks, workload: undefined },
    swarm: file.swarm ?? false,
    plan: file.plan,
    workload: file.workload,
    writeEveryMs: scenarioDefaults.writeEveryMs,
    heartbeatMs: HEARTBEAT_MS_DEFAULT,
    replayArgs,
    fileSeed: file.seed,
  }
}

function namedSpec(
  args: SimArgs,
  scenario: NamedScenario,
  planFile: string | undefined,
  plan: unknown,
): RunSpec {
  const ids = nodeIdsOf(args.nodes ?? NODES_DEFAULT)
  if (ids.length < scenario.nodesMin) {
    throw new UsageError(
      `--nodes: scenario ${scenario.name} needs at least ${scenario.nodesMin} nodes (got ${ids.length})`,
    )
  }
  const durationMs = args.durationMs ?? scenario.durationMsDefault
  const steps =
    planFile === undefined
      ? naming(`scenario ${scenario.name}: `, '', () => parseFaultPlan(scenario.plan(ids, durationMs), ids))
      : naming('plan', ` in ${planFile}`, () => parseFaultPlan(plan, ids, ''))
  const replayArgs = ['--scenario', scenario.name]
  if (planFile !== undefined) replayArgs.push('--plan', planFile)
  if (args.nodes !== undefined) replayArgs.push('--nodes', String(args.nodes))
  if (args.durationMs !== undefined) replayArgs.push('--duration', String(durationMs))
  return {
    name: scenario.name,
    summary:
      planFile === undefined ? scenario.summary : `${scenario.name} settings with the plan in ${planFile}`,
    ids,
    durationMs,
    livenessMsMax: scenario.livenessMsMax,
    network: scenario.network,
    storeSyncMs: scenario.storeSyncMs,
    store: scenario.store,
    // A task scenario's work options (partitionPolicy, leaseMs) over the protocol's own.
    nodeOptions: scenario.tasks === undefined ? undefined : { ...scenario.tasks.node },
    tasks:
      scenario.tasks === undefined
        ? undefined
        : { handlers: scenario.tasks.handlers, workload: scenario.tasks.workload },
    swarm: scenario.swarm,
    plan: steps,
    workload: undefined,
    writeEveryMs: scenario.writeEveryMs,
    heartbeatMs: HEARTBEAT_MS_DEFAULT,
    replayArgs,
    fileSeed: undefined,
  }
}

/** A `--scenario` value names a file when it looks like a path rather than a name. */
function looksLikeFile(value: string): boolean {
  return value.includes('/') || value.includes('\\') || value.endsWith('.json')
}

/** Resolves the scenario, plan and overrides of `args` into a spec; bad input throws `UsageError`. */
export function resolveRunSpec(args: SimArgs): RunSpec {
  const scenarioArg = args.scenario ?? 'partition-heal'
  const scenarioFile = findScenario(scenarioArg) === undefined && looksLikeFile(scenarioArg)
  if (scenarioFile) {
    if (args.plan !== undefined)
      throw new UsageError('--plan: give a plan with a named --scenario, not with a scenario file')
    const path = resolve(scenarioArg)
    return fileSpec(args, path, '--scenario', readJson(path, '--scenario'))
  }
  const scenario = findScenario(scenarioArg)
  if (scenario === undefined) {
    throw new UsageError(
      `--scenario: unknown scenario ${JSON.stringify(scenarioArg)} (known: ${scenarioNames.join(', ')}; or a .json file)`,
    )
  }
  if (args.plan === undefined) return namedSpec(args, scenario, undefined, undefined)
  const path = resolve(args.plan)
  const json = readJson(path, '--plan')
  if (Array.isArray(json)) return namedSpec(args, scenario, path, json)
  if (args.scenario !== undefined)
    throw new UsageError('--plan: a whole scenario file replaces --scenario; give one of them')
  return fileSpec(args, path, '--plan', json)
}
