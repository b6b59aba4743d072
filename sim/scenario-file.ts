/**
 * The scenario file: a run's inputs as JSON, what `--plan FILE` and
 * `--scenario FILE` read and what a failing property writes for replay.
 *
 *   { "version": 1, "seed": 7, "nodes": 5, "durationMs": 10000,
 *     "network": { "latencyMs": [2, 40] },
 *     "plan": [{ "atMs": 1000, "fault": "isolate", "args": ["n1"] }],
 *     "workload": [{ "atMs": 500, "node": "n2", "op": "add", "args": 1 }] }
 *
 * Validation names the bad field (`ScenarioError`: `plan[0].args[0]: unknown node "n9"`).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { SimStoreOptions } from './durable-store.ts'
import { ScenarioError } from './errors.ts'
import { type FaultStep, parseFaultPlan } from './fault-plan.ts'
import { type NetworkOptions, resolveNetworkOptions } from './network-options.ts'
import { nodeIdsOf } from './node-ids.ts'
import { parseSimTaskOptions, type SimTaskOptions } from './task-scenario.ts'
import { parseWorkload, type WorkloadOp } from './workload.ts'

/** The format version this release writes and reads. */
export const SCENARIO_FILE_VERSION = 1

export interface ScenarioFile {
  version: 1
  seed?: number
  /** A count (ids n1..nN) or the ids. Default 3. */
  nodes?: number | string[]
  durationMs?: number
  livenessMsMax?: number
  network?: NetworkOptions
  swarm?: boolean
  /** Virtual ms a write waits before it is durable. Default 0. */
  storeSyncMs?: number
  /** Compaction thresholds of every node's store. */
  store?: SimStoreOptions
  /** Options passed to every node (JSON: heartbeatMs, members, partitionPolicy, ...). */
  node?: Record<string, unknown>
  plan: FaultStep[]
  workload?: WorkloadOp[]
  /** The simulator's task handlers on every node, with these timings (task-scenario.ts). */
  tasks?: SimTaskOptions
}

const fields = new Set([
  'version',
  'seed',
  'nodes',
  'durationMs',
  'livenessMsMax',
  'network',
  'swarm',
  'storeSyncMs',
  'store',
  'node',
  'plan',
  'workload',
  'tasks',
])

const storeFields = new Set(['compactCount', 'compactBytes', 'compactSnapshotRatio'])

function checkStore(value: unknown): void {
  if (value === undefined) return
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ScenarioError('store', 'expected { compactCount, compactBytes, compactSnapshotRatio }')
  for (const [key, v] of Object.entries(value)) {
    if (!storeFields.has(key)) throw new ScenarioError(`store.${key}`, 'unknown option')
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0)
      throw new ScenarioError(`store.${key}`, 'expected a number > 0')
  }
}

function optionalNumber(
  o: Record<string, unknown>,
  key: string,
  check: (n: number) => boolean,
  what: string,
): void {
  const v = o[key]
  if (v !== undefined && (typeof v !== 'number' || !check(v)))
    throw new ScenarioError(key, `expected ${what}`)
}

/** Validates parsed JSON as a scenario file. */
export function parseScenarioFile(json: unknown): ScenarioFile {
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new ScenarioError('scenario', 'expected an object')
  const o = json as Record<string, unknown>
  for (const key of Object.keys(o)) if (!fields.has(key)) throw new ScenarioError(key, 'unknown field')
  if (o.version !== SCENARIO_FILE_VERSION) {
    throw new ScenarioError('version', `expected ${SCENARIO_FILE_VERSION}, got ${JSON.stringify(o.version)}`)
  }
  optionalNumber(o, 'seed', Number.isInteger, 'an integer')
  optionalNumber(o, 'durationMs', (n) => Number.isFinite(n) && n > 0, 'a number > 0')
  optionalNumber(o, 'livenessMsMax', (n) => Number.isFinite(n) && n > 0, 'a number > 0')
  if (o.swarm !== undefined && typeof o.swarm !== 'boolean')
    throw new ScenarioError('swarm', 'expected a boolean')
  optionalNumber(o, 'storeSyncMs', (n) => Number.isFinite(n) && n >= 0, 'a number ≥ 0')
  checkStore(o.store)
  if (o.node !== undefined && (typeof o.node !== 'object' || o.node === null || Array.isArray(o.node)))
    throw new ScenarioError('node', 'expected an object of node options')
  const ids = nodeIdsOf(o.nodes as number | string[] | undefined)
  if (o.network !== undefined) resolveNetworkOptions(o.network)
  const plan = parseFaultPlan(o.plan ?? [], ids)
  if (o.tasks !== undefined) parseSimTaskOptions(o.tasks, 'tasks')
  const workload = o.workload === undefined ? undefined : parseWorkload(o.workload, ids)
  return { ...(o as unknown as ScenarioFile), plan, ...(workload === undefined ? {} : { workload }) }
}

/** Reads and validates a scenario file. */
export function loadScenarioFile(path: string): ScenarioFile {
  let json: unknown
  try {
    json = JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    throw new ScenarioError(
      path,
      `not a JSON scenario file (${error instanceof Error ? error.message : String(error)})`,
    )
  }
  return parseScenarioFile(json)
}

/** Writes `scenario` to a new file in a fresh temp folder; returns its path. */
export function writeScenarioFile(scenario: ScenarioFile, dir?: string): string {
  const folder = dir ?? mkdtempSync(join(tmpdir(), 'isthmus-replay-'))
  const path = join(folder, 'scenario.json')
  writeFileSync(path, `${JSON.stringify(scenario, null, 2)}\n`)
  return path
}

/** The one command that replays a scenario. */
export function replayCommand(seed: number, file: string): string {
  return `npx isthmus sim --seed ${seed} --plan ${file}`
}
