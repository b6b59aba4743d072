/**
 * Records that rot while a node is down (`sim.corrupt(id, { records })`),
 * under TigerBeetle's rule: never destroy every copy of an acknowledged
 * write, so a node that fails to recover what it lost has a real bug.
 *
 * A record of the down node qualifies only if another running node vouches
 * for everything in it, for the same document:
 *   - a log entry with a dot (origin, seq): some other running node's vector
 *     for the document holds seq for origin;
 *   - a dotless log entry (content that came through a sync exchange): some
 *     other running node's vector for the document dominates the down node's
 *     last known vector for it (taken when it crashed);
 *   - a snapshot: every origin of its `covers` is held that far by some other
 *     running node, and (for the dotless content a snapshot may also hold)
 *     some other running node dominates the down node's last known vector.
 * Records of kinds this file does not know (metadata, the format record, a
 * record kind added later) and records already damaged are left alone.
 */
import type { MemoryLevel } from 'memory-level'
import type { Random } from '../src/env/types.ts'
import { parseKey } from '../store/keys.ts'
import { decodeLogEntry, decodeSnapshot } from '../store/payload.ts'
import { decodeRecord } from '../store/record.ts'
import type { VersionVector } from '../store/store.ts'
import { flipByte, records } from './durable-store.ts'
import { shuffled } from './faults.ts'

/** Per document, a node's version vector. */
export type DocVectors = ReadonlyMap<string, VersionVector>

/** What the rule looks at: the other running nodes' vectors, and the down node's from when it crashed. */
export interface CorruptionWitnesses {
  others: readonly DocVectors[]
  /** Undefined when the down node's vectors were not known at its crash (then no dotless record qualifies). */
  lastKnown: DocVectors | undefined
}

/** One record that was rotted: its key and the byte flipped. */
export interface RottedRecord {
  key: string
  byte: number
}

function claimed(w: CorruptionWitnesses, doc: string, origin: string, seq: number): boolean {
  return w.others.some((vectors) => (vectors.get(doc)?.[origin] ?? 0) >= seq)
}

function dominates(a: VersionVector | undefined, b: VersionVector): boolean {
  if (a === undefined) return false
  return Object.entries(b).every(([origin, seq]) => (a[origin] ?? 0) >= seq)
}

/** Some other running node holds at least what the down node last claimed for `doc`. */
function dominated(w: CorruptionWitnesses, doc: string): boolean {
  const last = w.lastKnown?.get(doc)
  if (last === undefined) return false
  return w.others.some((vectors) => dominates(vectors.get(doc), last))
}

/** Whether rotting the record at `key` keeps a copy of everything in it on a running node. */
export function eligible(key: string, value: Uint8Array, w: CorruptionWitnesses): boolean {
  const parsed = parseKey(key)
  if (parsed === undefined || (parsed.kind !== 'log' && parsed.kind !== 'snap')) return false
  const record = decodeRecord(value)
  if (!record.ok) return false
  if (parsed.kind === 'log') {
    const entry = decodeLogEntry(record.payload)
    if (!entry.ok) return false
    const { origin, seq } = entry.value.dot
    return seq > 0 ? claimed(w, parsed.doc, origin, seq) : dominated(w, parsed.doc)
  }
  const snapshot = decodeSnapshot(record.payload)
  if (!snapshot.ok) return false
  const covered = Object.entries(snapshot.value.covers).every(([origin, seq]) =>
    claimed(w, parsed.doc, origin, seq),
  )
  return covered && dominated(w, parsed.doc)
}

/** Rots up to `count` eligible records of `db`, chosen by `random`; returns what it rotted (possibly nothing). */
export async function rotRecords(
  db: MemoryLevel<string, Uint8Array>,
  count: number,
  witnesses: CorruptionWitnesses,
  random: Random,
): Promise<RottedRecord[]> {
  const candidates = (await records(db))
    .filter(([key, value]) => eligible(key, value, witnesses))
    .map(([key]) => key)
  const rotted: RottedRecord[] = []
  for (const key of shuffled(candidates, random).slice(0, count)) {
    const byte = await flipByte(db, key, random)
    if (byte !== undefined) rotted.push({ key, byte })
  }
  return rotted
}
