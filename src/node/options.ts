/**
 * createNode's options: their types, their defaults, and one validation pass
 * that reports every problem at once (NodeOptionsError.problems).
 */
import type { Store } from '../../store/store.ts'
import type { Transport } from '../../transport/transport.ts'
import type { Env } from '../env/types.ts'
import { NodeOptionsError } from '../errors.ts'
import { ID_PATTERN } from '../ids.ts'
import { handlerOptionProblems } from '../work/kind-guards.ts'
import type { TaskHandler } from '../work/types.ts'

export interface NodeOptions {
  transport: Transport
  store: Store
  /** Expected membership, if known up front (node ids). Others join by dialing any member. */
  members?: string[]
  /** Interval between heartbeats to each member. Default 250. */
  heartbeatMs?: number
  /** Suspicion level at which a silent peer becomes suspect. Default 8. */
  phiThreshold?: number
  /**
   * Floor on the detector's standard deviation. Default heartbeatMs / 2: benchmark #3
   * measured it against heartbeatMs / 5 at σ = 50 ms jitter (p99 detection 1.4 s, and
   * 0-0.9 false suspicions per node-day instead of 1.8-46).
   */
  minStdDeviationMs?: number
  /** A pause tolerated without suspicion (GC, a busy loop). Default heartbeatMs. */
  acceptablePauseMs?: number
  /** Silent to everyone I hear for this long: dead. Default 20 × heartbeatMs. */
  deadAfterMs?: number
  /** Who may take over work while split. Default 'majority'. */
  partitionPolicy?: 'majority' | 'availability'
  /** Task handlers by kind (DESIGN §3): what this node can run from the task board. */
  handlers?: Record<string, TaskHandler>
  /**
   * Under 'majority': how long a claim outlives its owner's loss of the majority. Default 1000.
   * Keep it above 3 × heartbeatMs plus twice the network's latency and the clocks' drift: half of
   * it is the margin that keeps two runs of one task apart (src/work/leases.ts).
   */
  leaseMs?: number
  /** How long a finished task stays on the task board before it is archived (issue 10). Default 3,600,000 (1 h). */
  taskRetentionMs?: number
  /** Time, timers, randomness and logs. Default: the system's. The simulator passes virtual ones. */
  env?: Env
  /** Names the node's default store folder, `./.isthmus/<name>` (the `isthmus` entry's createNode). Default 'default'. */
  name?: string
}

export interface ResolvedOptions {
  members: string[]
  heartbeatMs: number
  phiThreshold: number
  minStdDeviationMs: number
  acceptablePauseMs: number
  deadAfterMs: number
  partitionPolicy: 'majority' | 'availability'
  handlers: Readonly<Record<string, TaskHandler>>
  leaseMs: number
  taskRetentionMs: number
}

const knownKeys = new Set([
  'transport',
  'store',
  'members',
  'heartbeatMs',
  'phiThreshold',
  'minStdDeviationMs',
  'acceptablePauseMs',
  'deadAfterMs',
  'partitionPolicy',
  'env',
  'handlers',
  'leaseMs',
  'taskRetentionMs',
  'name',
])

function positive(problems: string[], name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    problems.push(`${name} must be a positive number (got ${JSON.stringify(value)})`)
    return fallback
  }
  return value
}

function hasMethods(value: unknown, methods: string[]): boolean {
  if (typeof value !== 'object' || value === null) return false
  const record = value as Record<string, unknown>
  return methods.every((m) => typeof record[m] === 'function')
}

/** Validates `options`; throws NodeOptionsError listing every problem. */
export function resolveOptions(options: NodeOptions): ResolvedOptions {
  const problems: string[] = []
  if (typeof options !== 'object' || options === null)
    throw new NodeOptionsError(['options must be an object'])
  for (const key of Object.keys(options)) if (!knownKeys.has(key)) problems.push(`unknown option "${key}"`)
  if (!hasMethods(options.transport, ['start', 'stop', 'send', 'connected', 'addresses'])) {
    problems.push('transport must implement Transport (start, stop, send, connected, addresses)')
  }
  if (
    !hasMethods(options.store, ['open', 'close', 'append', 'compact', 'load', 'docs', 'getMeta', 'putMeta'])
  ) {
    problems.push('store must implement Store (open, close, append, compact, load, docs, getMeta, putMeta)')
  }
  const members = options.members ?? []
  if (!Array.isArray(members) || members.some((m) => typeof m !== 'string' || !ID_PATTERN.test(m))) {
    problems.push(`members must be an array of node ids matching ${ID_PATTERN}`)
  }
  // `name` becomes a folder name: an id, and not one that climbs out of ./.isthmus.
  if (
    options.name !== undefined &&
    (typeof options.name !== 'string' || !ID_PATTERN.test(options.name) || /^\.+$/.test(options.name))
  )
    problems.push(
      `name must be a folder name matching ${ID_PATTERN}, not '.' or '..' (got ${JSON.stringify(options.name)})`,
    )
  const heartbeatMs = positive(problems, 'heartbeatMs', options.heartbeatMs, 250)
  const resolved: ResolvedOptions = {
    members: Array.isArray(members) ? members : [],
    heartbeatMs,
    phiThreshold: positive(problems, 'phiThreshold', options.phiThreshold, 8),
    minStdDeviationMs: positive(problems, 'minStdDeviationMs', options.minStdDeviationMs, heartbeatMs / 2),
    acceptablePauseMs: positive(problems, 'acceptablePauseMs', options.acceptablePauseMs, heartbeatMs),
    deadAfterMs: positive(problems, 'deadAfterMs', options.deadAfterMs, heartbeatMs * 20),
    partitionPolicy: options.partitionPolicy ?? 'majority',
    handlers: handlersOf(problems, options.handlers),
    leaseMs: positive(problems, 'leaseMs', options.leaseMs, 1000),
    taskRetentionMs: positive(problems, 'taskRetentionMs', options.taskRetentionMs, 3_600_000),
  }
  if (resolved.partitionPolicy !== 'majority' && resolved.partitionPolicy !== 'availability') {
    problems.push(
      `partitionPolicy must be 'majority' or 'availability' (got ${JSON.stringify(options.partitionPolicy)})`,
    )
  }
  if (problems.length > 0) throw new NodeOptionsError(problems)
  return resolved
}

/** `handlers`: an object of kind → { run() } (a copy, so later edits by the caller do not reach the node). */
function handlersOf(problems: string[], value: unknown): Record<string, TaskHandler> {
  if (value === undefined) return {}
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push('handlers must be an object of kind → { run(task, ctx) }')
    return {}
  }
  const handlers: Record<string, TaskHandler> = {}
  for (const [kind, handler] of Object.entries(value)) {
    if (!hasMethods(handler, ['run'])) problems.push(`handlers.${kind} must have a run(task, ctx) function`)
    else {
      problems.push(...handlerOptionProblems(kind, handler as TaskHandler))
      handlers[kind] = handler as TaskHandler
    }
  }
  return handlers
}
