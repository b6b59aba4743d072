/**
 * A 32-bit digest of a node's per-document vectors, carried in every
 * heartbeat: peers with equal digests hold the same dots and skip the
 * vectors exchange. FNV-1a over a canonical text; collisions only delay a
 * sync until the next change, and the periodic full exchange catches them.
 */
import type { VersionVector } from '../../store/store.ts'
import { fnv1aText } from '../env/fnv1a.ts'
import { canonicalVector } from '../sync/version-vector.ts'

export function vectorsDigest(docs: ReadonlyArray<{ name: string; vector: VersionVector }>): number {
  const text = docs
    .map((d) => `${d.name}=${JSON.stringify(canonicalVector(d.vector))}`)
    .filter((line) => !line.endsWith('={}'))
    .sort()
    .join('\n')
  return fnv1aText(text)
}

/** A document as the digest cache sees it: `vectorVersion` moves whenever `vector` may have changed. */
export interface DigestSource {
  name: string
  vector: VersionVector
  vectorVersion: number
}

/**
 * `vectorsDigest` of a node's documents, computed again only when a document
 * was added or one's vector moved. A node needs its digest for every heartbeat
 * it sends and every one it receives (each peer's, four times a second), but
 * its vectors change only when a write lands: recomputing (JSON of every
 * vector) each time was most of a heartbeat's cost at 20 nodes.
 */
export class VectorsDigestCache {
  #docs: readonly DigestSource[] = []
  #versions: number[] = []
  #digest = vectorsDigest([])

  digest(docs: readonly DigestSource[]): number {
    if (!this.#fresh(docs)) {
      this.#docs = [...docs]
      this.#versions = docs.map((d) => d.vectorVersion)
      this.#digest = vectorsDigest(docs)
    }
    return this.#digest
  }

  /** Same documents (by identity), in the same order, none of whose vectors moved. */
  #fresh(docs: readonly DigestSource[]): boolean {
    if (docs.length !== this.#docs.length) return false
    for (let i = 0; i < docs.length; i++) {
      const doc = docs[i] as DigestSource
      if (doc !== this.#docs[i] || doc.vectorVersion !== this.#versions[i]) return false
    }
    return true
  }
}

/** Per-origin totals over every document: the node-level version vector. */
export function nodeVector(docs: Array<{ vector: VersionVector }>): VersionVector {
  const out: VersionVector = {}
  for (const d of docs)
    for (const [origin, seq] of Object.entries(d.vector)) out[origin] = (out[origin] ?? 0) + seq
  return out
}
