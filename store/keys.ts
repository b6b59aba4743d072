/**
 * Builds and parses the keys of the layout documented at the top of
 * `abstract-level-store.ts`. Names (documents, metadata keys) are escaped so that the
 * separator `!` can never appear inside one: `[A-Za-z0-9._~-]` stay as they
 * are, every other UTF-16 code unit (lone surrogates too) becomes `%XXXX`.
 * The escape is injective, so two names never share a key, and every key is
 * ASCII, so the UTF-8 key encoding is lossless.
 */

/** The key of the format record. */
export const FORMAT_KEY = 'isthmus!format'

/** Digits of the zero-padded local seq in a log key: 16 digits hold every safe integer (2^53 - 1 has 16). */
export const SEQ_DIGITS = 16

const DOC_PREFIX = 'doc!'
const META_PREFIX = 'meta!'
const LOG_PART = '!log!'
const SNAP_PART = '!snap'
const HIGH_WATER_PART = '!hw'
const PLAIN = /^[A-Za-z0-9._~-]*$/
const ESCAPED = /^(?:[A-Za-z0-9._~-]|%[0-9A-F]{4})*$/
const SEQ_TEXT = new RegExp(`^\\d{${SEQ_DIGITS}}$`)

/** A key of the layout, parsed. */
export type ParsedKey =
  | { kind: 'format' }
  | { kind: 'log'; doc: string; seq: number }
  | { kind: 'snap'; doc: string }
  | { kind: 'hw'; doc: string }
  | { kind: 'meta'; key: string }

/** Escapes a name so that it contains only `[A-Za-z0-9._~%-]`. */
export function escapeName(name: string): string {
  if (PLAIN.test(name)) return name
  let out = ''
  for (let i = 0; i < name.length; i++) {
    const char = name[i] as string
    out += PLAIN.test(char) ? char : `%${name.charCodeAt(i).toString(16).toUpperCase().padStart(4, '0')}`
  }
  return out
}

/** Reverses `escapeName`; undefined for a string `escapeName` cannot have produced. */
export function unescapeName(escaped: string): string | undefined {
  if (!ESCAPED.test(escaped)) return undefined
  return escaped.replace(/%([0-9A-F]{4})/g, (_, code: string) =>
    String.fromCharCode(Number.parseInt(code, 16)),
  )
}

/** The key of log entry `seq` of `doc`. */
export function logKey(doc: string, seq: number): string {
  return `${DOC_PREFIX}${escapeName(doc)}${LOG_PART}${String(seq).padStart(SEQ_DIGITS, '0')}`
}

/** The key of the snapshot of `doc`. */
export function snapKey(doc: string): string {
  return `${DOC_PREFIX}${escapeName(doc)}${SNAP_PART}`
}

/** The key of the high-water mark of `doc` (the highest seq per origin ever appended to it). */
export function highWaterKey(doc: string): string {
  return `${DOC_PREFIX}${escapeName(doc)}${HIGH_WATER_PART}`
}

/** The key of metadata entry `key`. */
export function metaKey(key: string): string {
  return `${META_PREFIX}${escapeName(key)}`
}

/** Every key of `doc` (its log in seq order, then its snapshot). `"` is the character after `!`. */
export function docRange(doc: string): { gte: string; lt: string } {
  const prefix = `${DOC_PREFIX}${escapeName(doc)}`
  return { gte: `${prefix}!`, lt: `${prefix}"` }
}

/** Parses a key of the layout; undefined for anything else. */
export function parseKey(key: string): ParsedKey | undefined {
  if (key === FORMAT_KEY) return { kind: 'format' }
  if (key.startsWith(META_PREFIX)) {
    const name = unescapeName(key.slice(META_PREFIX.length))
    return name === undefined ? undefined : { kind: 'meta', key: name }
  }
  if (!key.startsWith(DOC_PREFIX)) return undefined
  const rest = key.slice(DOC_PREFIX.length)
  const end = rest.indexOf('!')
  if (end < 0) return undefined
  const doc = unescapeName(rest.slice(0, end))
  if (doc === undefined) return undefined
  const tail = rest.slice(end)
  if (tail === SNAP_PART) return { kind: 'snap', doc }
  if (tail === HIGH_WATER_PART) return { kind: 'hw', doc }
  if (!tail.startsWith(LOG_PART)) return undefined
  const digits = tail.slice(LOG_PART.length)
  if (!SEQ_TEXT.test(digits)) return undefined
  const seq = Number(digits)
  return Number.isSafeInteger(seq) ? { kind: 'log', doc, seq } : undefined
}
