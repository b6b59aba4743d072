/**
 * Canonical JSON: the same value always gives the same string, whatever the
 * order its object keys were inserted in. Replicas compare documents byte for
 * byte through it (DESIGN.md §4, convergence).
 *
 * The rules are JSON.stringify's, except that object keys are sorted by UTF-16
 * code units (as RFC 8785 does) at every depth, and there is no whitespace.
 * So `JSON.parse(canonicalJson(x))` deep-equals `JSON.parse(JSON.stringify(x))`.
 * Numbers print as JSON.stringify prints them (non-finite ones as null).
 */

/**
 * Values nested deeper than this are refused: the writer recurses, and a
 * document nested a thousand levels deep is a runaway value, not data.
 */
const DEPTH_MAX = 1000

/** `value` as canonical JSON. Throws a TypeError where JSON.stringify would give undefined or throw. */
export function canonicalJson(value: unknown): string {
  const out = write(value, '', new Set())
  if (out === undefined) throw new TypeError('canonicalJson: value has no JSON representation')
  return out
}

/** `path` holds the objects being written around this one: a repeat is a cycle, as JSON.stringify reports. */
function write(input: unknown, key: string, path: Set<object>): string | undefined {
  const value = withToJson(input, key)
  if (value === null) return 'null'
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
      return JSON.stringify(value)
    case 'bigint':
      throw new TypeError('canonicalJson: BigInt has no JSON representation')
    case 'object':
      return writeContainer(value as object, path)
    default:
      return undefined // undefined, functions and symbols, as JSON.stringify drops them
  }
}

/** JSON.stringify calls `toJSON(key)` first (Date does this) and unboxes `new Number(1)`; so do we. */
function withToJson(value: unknown, key: string): unknown {
  if (typeof value !== 'object' || value === null) return value
  if ('toJSON' in value && typeof value.toJSON === 'function') return value.toJSON(key)
  if (value instanceof Number || value instanceof String || value instanceof Boolean) return value.valueOf()
  return value
}

function writeContainer(value: object, path: Set<object>): string {
  if (path.has(value)) throw new TypeError('canonicalJson: cyclic value')
  if (path.size >= DEPTH_MAX) throw new TypeError(`canonicalJson: nested deeper than ${DEPTH_MAX}`)
  path.add(value)
  const out = Array.isArray(value) ? writeArray(value, path) : writeObject(value, path)
  path.delete(value)
  return out
}

function writeArray(items: readonly unknown[], path: Set<object>): string {
  const parts: string[] = []
  for (let i = 0; i < items.length; i++) parts.push(write(items[i], String(i), path) ?? 'null')
  return `[${parts.join(',')}]`
}

function writeObject(object: object, path: Set<object>): string {
  const parts: string[] = []
  // Default sort compares UTF-16 code units, which is what RFC 8785 asks for.
  for (const key of Object.keys(object).sort()) {
    const member = write((object as Record<string, unknown>)[key], key, path)
    if (member !== undefined) parts.push(`${JSON.stringify(key)}:${member}`)
  }
  return `{${parts.join(',')}}`
}
