/**
 * Checks that a value read from the board is a task event of a known shape
 * before anything derives from it: the board is replicated, so a broken or
 * hostile peer can put anything in it (DESIGN §4, bad input). A value that
 * fails is refused and counted by the board, never derived.
 */

type Fields = Record<string, unknown>

const isInt = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
const isNum = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v)
const isStr = (v: unknown): boolean => typeof v === 'string'
const optional = (v: unknown, check: (v: unknown) => boolean): boolean => v === undefined || check(v)

function runScoped(e: Fields): boolean {
  return isInt(e.epoch) && isStr(e.node) && isInt(e.seq)
}

/** Per event type, what its fields must be. */
const shapes: Record<string, (e: Fields) => boolean> = {
  submitted: (e) =>
    isStr(e.id) &&
    isStr(e.kind) &&
    optional(e.key, isStr) &&
    optional(e.maxAttempts, isInt) &&
    optional(e.timeoutMs, isNum) &&
    isNum(e.atMs),
  claimed: runScoped,
  checkpoint: runScoped,
  stepDone: (e) => runScoped(e) && isStr(e.name),
  attemptFailed: (e) => runScoped(e) && isInt(e.attempt) && isStr(e.error) && typeof e.final === 'boolean',
  completed: (e) => runScoped(e) && optional(e.fallback, isStr),
  failed: (e) => runScoped(e) && isStr(e.error),
  cancelled: (e) => isStr(e.node) && isInt(e.epoch) && isNum(e.atMs),
  compensated: (e) => isInt(e.epoch) && isStr(e.node) && isStr(e.by) && optional(e.step, isStr),
}

/** Whether `value` has the shape of a TaskEvent. */
export function isTaskEvent(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const fields = value as Fields
  const check = typeof fields.type === 'string' ? shapes[fields.type] : undefined
  return check !== undefined && Object.hasOwn(shapes, fields.type as string) && check(fields)
}
