/**
 * Fault plans as plain data: `[{ atMs, fault, args }]`, sorted by time, as a
 * JSON scenario file holds them and as fast-check generates (and shrinks)
 * them. `parseFaultPlan` validates one and names the bad field.
 */
import { ScenarioError } from './errors.ts'

/** The fault verbs, in the order the docs list them. */
export const FAULT_NAMES = [
  'partition',
  'isolate',
  'oneWay',
  'bridge',
  'majoritiesRing',
  'swizzle',
  'heal',
  'crash',
  'restart',
  'pause',
  'skew',
  'drift',
  'storeFault',
  'corrupt',
] as const

export type FaultName = (typeof FAULT_NAMES)[number]

/** One step of a plan: at virtual time `atMs`, apply `fault` with `args` (see each verb on `Simulation`). */
export interface FaultStep {
  atMs: number
  fault: FaultName
  args: unknown[]
}

/** Options of the `swizzle` fault. */
export interface SwizzleOptions {
  /** Time between one cut (or restore) and the next. Default 100 ms. */
  stepMs?: number
  /** The nodes whose links are clogged; default a random subset of at least two. */
  nodes?: string[]
}

/** Options of the `crash` fault. */
export interface CrashOptions {
  /**
   * `'unsynced'`: a power loss rather than a process crash: each write not yet
   * synced survives, vanishes or (the last append) comes back torn, drawn from
   * the seed. Default `'none'`: everything the process wrote reaches the store.
   */
  lose?: 'none' | 'unsynced'
  /** The older spelling of `lose: 'unsynced'`. */
  loseUnsynced?: boolean
}

/** Whether a crash with `options` is a power loss. */
export function losesUnsynced(options: CrashOptions): boolean {
  return options.lose === 'unsynced' || options.loseUnsynced === true
}

/** Options of the `storeFault` fault. */
export interface StoreFaultOptions {
  /** The next this many write batches on the node's store fail (`StoreWriteError`) and write nothing. */
  failWrites: number
}

/** Options of the `corrupt` fault (the node must be down). */
export interface CorruptOptions {
  /** Flip a byte in this many stored records (only ones another running node holds a copy of). */
  records: number
}

/** Failing batches or rotted records one step may ask for: a plan, not a disk wipe. */
export const STORAGE_FAULT_COUNT_MAX = 1000

/** Steps in one plan: a plan is a script of faults, not a trace; thousands would be a generator bug. */
export const PLAN_STEPS_MAX = 10_000

type Check = (field: string, value: unknown) => void

function fail(field: string, problem: string): never {
  throw new ScenarioError(field, problem)
}

function nodeId(ids: ReadonlySet<string>): Check {
  return (field, value) => {
    if (typeof value !== 'string') fail(field, `expected a node id, got ${JSON.stringify(value)}`)
    if (!ids.has(value)) fail(field, `unknown node ${JSON.stringify(value)} (known: ${[...ids].join(', ')})`)
  }
}

function nodeList(ids: ReadonlySet<string>, options: { nonEmpty: boolean }): Check {
  return (field, value) => {
    if (!Array.isArray(value)) fail(field, 'expected an array of node ids')
    if (options.nonEmpty && value.length === 0) fail(field, 'expected at least one node id')
    value.forEach((id, i) => {
      nodeId(ids)(`${field}[${i}]`, id)
    })
    if (new Set(value).size !== value.length) fail(field, 'a node is listed twice')
  }
}

function number(min: number, max: number, options: { above?: boolean } = {}): Check {
  return (field, value) => {
    const ok = typeof value === 'number' && Number.isFinite(value) && value <= max
    if (!ok || (options.above ? value <= min : value < min)) {
      fail(
        field,
        `expected a number ${options.above ? '>' : '≥'} ${min} and ≤ ${max}, got ${JSON.stringify(value)}`,
      )
    }
  }
}

function object(keys: Record<string, Check>): Check {
  return (field, value) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(field, 'expected an object')
    for (const [key, v] of Object.entries(value)) {
      const check = keys[key]
      if (check === undefined) fail(`${field}.${key}`, 'unknown option')
      if (v !== undefined) check(`${field}.${key}`, v)
    }
  }
}

const boolean: Check = (field, value) => {
  if (typeof value !== 'boolean') fail(field, 'expected a boolean')
}

function oneOf(values: readonly string[]): Check {
  return (field, value) => {
    if (typeof value !== 'string' || !values.includes(value))
      fail(field, `expected one of ${values.map((v) => JSON.stringify(v)).join(', ')}`)
  }
}

/** An object whose `key` is required: a whole number from 1 to `STORAGE_FAULT_COUNT_MAX`. */
function countObject(key: string): Check {
  const count = number(1, STORAGE_FAULT_COUNT_MAX)
  return (field, value) => {
    object({ [key]: count })(field, value)
    const n = (value as Record<string, unknown>)[key]
    if (n === undefined) fail(`${field}.${key}`, 'required')
    if (!Number.isInteger(n)) fail(`${field}.${key}`, `expected a whole number, got ${JSON.stringify(n)}`)
  }
}

/** Checks that no node is in two of `lists`. */
function disjoint(field: string, lists: readonly (readonly string[])[]): void {
  const seen = new Set<string>()
  for (const id of lists.flat()) {
    if (seen.has(id)) fail(field, `node ${id} is on two sides`)
    seen.add(id)
  }
}

/** Per fault: the checks of its required args, then of its optional ones. */
function argChecks(ids: ReadonlySet<string>): Record<FaultName, { required: Check[]; optional: Check[] }> {
  const id = nodeId(ids)
  const list = nodeList(ids, { nonEmpty: true })
  const groups: Check = (field, value) => {
    if (!Array.isArray(value) || value.length === 0) fail(field, 'expected an array of groups of node ids')
    value.forEach((group, i) => {
      list(`${field}[${i}]`, group)
    })
    disjoint(field, value as string[][])
  }
  return {
    partition: { required: [groups], optional: [] },
    isolate: { required: [id], optional: [] },
    oneWay: { required: [id, id], optional: [] },
    bridge: { required: [], optional: [list, id, nodeList(ids, { nonEmpty: false })] },
    majoritiesRing: { required: [], optional: [list] },
    swizzle: {
      required: [],
      optional: [object({ stepMs: number(0, 3_600_000, { above: true }), nodes: list })],
    },
    heal: { required: [], optional: [] },
    crash: {
      required: [id],
      optional: [object({ lose: oneOf(['none', 'unsynced']), loseUnsynced: boolean })],
    },
    restart: { required: [id], optional: [] },
    pause: { required: [id, number(0, 3_600_000, { above: true })], optional: [] },
    skew: { required: [id, number(-86_400_000, 86_400_000)], optional: [] },
    drift: { required: [id, number(0, 10, { above: true })], optional: [] },
    storeFault: { required: [id, countObject('failWrites')], optional: [] },
    corrupt: { required: [id, countObject('records')], optional: [] },
  }
}

/** Cross-argument rules the per-argument checks cannot see. */
function checkRelations(field: string, fault: FaultName, args: unknown[], ids: ReadonlySet<string>): void {
  if (fault === 'oneWay' && args[0] === args[1]) fail(`${field}.args`, 'from and to are the same node')
  if (fault === 'bridge' && args.length > 0) {
    if (args.length !== 3) fail(`${field}.args`, 'expected [left, middle, right] or nothing')
    disjoint(`${field}.args`, [args[0] as string[], [args[1] as string], args[2] as string[]])
  }
  if (fault === 'majoritiesRing' && args.length === 1 && (args[0] as string[]).length !== ids.size) {
    fail(`${field}.args[0]`, 'the ring must list every node once')
  }
}

/** Validates one step; `field` names it in errors (e.g. `plan[3]`). */
export function parseFaultStep(value: unknown, ids: readonly string[], field: string): FaultStep {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail(field, 'expected { atMs, fault, args }')
  const step = value as Record<string, unknown>
  for (const key of Object.keys(step)) {
    if (key !== 'atMs' && key !== 'fault' && key !== 'args') fail(`${field}.${key}`, 'unknown field')
  }
  number(0, Number.MAX_SAFE_INTEGER)(`${field}.atMs`, step.atMs)
  const fault = step.fault
  if (typeof fault !== 'string' || !(FAULT_NAMES as readonly string[]).includes(fault)) {
    fail(`${field}.fault`, `unknown fault ${JSON.stringify(fault)} (known: ${FAULT_NAMES.join(', ')})`)
  }
  const args = step.args ?? []
  if (!Array.isArray(args)) fail(`${field}.args`, 'expected an array')
  const idSet = new Set(ids)
  const { required, optional } = argChecks(idSet)[fault as FaultName]
  if (args.length < required.length || args.length > required.length + optional.length) {
    fail(
      `${field}.args`,
      `${fault} takes ${required.length} to ${required.length + optional.length} arguments`,
    )
  }
  args.forEach((arg, i) => {
    ;(required[i] ?? optional[i - required.length])?.(`${field}.args[${i}]`, arg)
  })
  checkRelations(field, fault as FaultName, args, idSet)
  return { atMs: step.atMs as number, fault: fault as FaultName, args }
}

/** Validates a plan (e.g. parsed JSON) against the node ids; returns it sorted by `atMs` (stable). */
export function parseFaultPlan(value: unknown, ids: readonly string[], field = 'plan'): FaultStep[] {
  if (!Array.isArray(value)) fail(field, 'expected an array of { atMs, fault, args }')
  if (value.length > PLAN_STEPS_MAX) fail(field, `more than ${PLAN_STEPS_MAX} steps`)
  const steps = value.map((step, i) => parseFaultStep(step, ids, `${field}[${i}]`))
  return steps
    .map((step, i) => ({ step, i }))
    .sort((a, b) => a.step.atMs - b.step.atMs || a.i - b.i)
    .map((s) => s.step)
}
