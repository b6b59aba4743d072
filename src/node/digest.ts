/**
 * A 32-bit digest of a node's per-document vectors, carried in every
 * heartbeat: peers with equal digests hold the same dots and skip the
 * vectors exchange. FNV-1a over a canonical text; collisions only delay a
 * sync until the next change, and the periodic full exchange catches them.
 */
import type { VersionVector } from '../../store/store.ts'
import { canonicalVector } from '../sync/version-vector.ts'

export function vectorsDigest(docs: Array<{ name: string; vector: VersionVector }>): number {
  const text = docs
    .map((d) => `${d.name}=${JSON.stringify(canonicalVector(d.vector))}`)
    .filter((line) => !line.endsWith('={}'))
    .sort()
    .join('\n')
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h >>> 0
}

/** Per-origin totals over every document: the node-level version vector. */
export function nodeVector(docs: Array<{ vector: VersionVector }>): VersionVector {
  const out: VersionVector = {}
  for (const d of docs)
    for (const [origin, seq] of Object.entries(d.vector)) out[origin] = (out[origin] ?? 0) + seq
  return out
}
