/**
 * A scenario with task work: the simulator's handlers installed on every
 * node (as plain data, so a replay file can say it), and the liveness bound
 * a takeover needs.
 */
import { ScenarioError } from './errors.ts'
import { type SimTaskTimings, simTaskHandlers } from './task-handlers.ts'

/** `tasks` of a scenario or a scenario file: the simulator's handlers, with these timings. */
export interface SimTaskOptions {
  timings?: SimTaskTimings
}

const timingFields = new Set([
  'quickMs',
  'slowSteps',
  'slowStepMs',
  'flakyFailRate',
  'sagaWaitMs',
  'compensateMs',
])

/** Validates `tasks` (e.g. from a scenario file); `field` names it in errors. */
export function parseSimTaskOptions(value: unknown, field: string): SimTaskOptions {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ScenarioError(field, 'expected { timings? }')
  const o = value as Record<string, unknown>
  for (const key of Object.keys(o))
    if (key !== 'timings') throw new ScenarioError(`${field}.${key}`, 'unknown field')
  if (o.timings === undefined) return o as SimTaskOptions
  if (typeof o.timings !== 'object' || o.timings === null || Array.isArray(o.timings))
    throw new ScenarioError(`${field}.timings`, 'expected an object')
  for (const [key, v] of Object.entries(o.timings)) {
    if (!timingFields.has(key)) throw new ScenarioError(`${field}.timings.${key}`, 'unknown field')
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
      throw new ScenarioError(`${field}.timings.${key}`, 'expected a number ≥ 0')
  }
  return o as SimTaskOptions
}

/** `nodeOptions` with the simulator's handlers added (a caller's handlers of the same kinds win). */
export function withSimTasks(nodeOptions: unknown, tasks: SimTaskOptions): Record<string, unknown> {
  const base = (nodeOptions ?? {}) as Record<string, unknown>
  const own = (base.handlers ?? {}) as Record<string, unknown>
  return { ...base, handlers: { ...simTaskHandlers(tasks.timings), ...own } }
}

/** createNode's defaults the bound reads (src/node/options.ts): 250 ms heartbeats, dead after 20, a 1 s lease. */
const heartbeatMsDefault = 250
const deadAfterHeartbeats = 20
const leaseMsDefault = 1_000
/** After the takeover: the resumed run, retries with backoff, compensation, and the board's replication. */
const workAfterTakeoverMs = 15_000

/**
 * The shortest liveness phase in which stranded work can be taken over and
 * finished: detection (a node is declared dead after `deadAfterMs`) plus
 * `leaseMs`, plus time for the work itself.
 */
export function takeoverBoundMs(nodeOptions: unknown): number {
  const o = (nodeOptions ?? {}) as { heartbeatMs?: number; deadAfterMs?: number; leaseMs?: number }
  const detectionMs = o.deadAfterMs ?? (o.heartbeatMs ?? heartbeatMsDefault) * deadAfterHeartbeats
  return detectionMs + (o.leaseMs ?? leaseMsDefault) + workAfterTakeoverMs
}
