/**
 * Anti-entropy (DESIGN §4): besides the vector-triggered pulls, nodes
 * compare what they hold with the libraries' own summaries (Yjs state vector
 * and delete set, Automerge heads), so a divergence the dots miss is found
 * and repaired by the backend's own sync.
 *
 * Cheap at rest: every heartbeat carries one 4-byte digest over every
 * document's summary hash, recomputed only for documents whose content moved
 * (DocBackend.contentVersion). Only a mismatch that holds still over two
 * heartbeats leads to an exchange: the per-document hashes, in chunks of
 * SUMMARIES_PER_FRAME_MAX, and the receiver starts a sync for each document
 * that differs. Rounds with the same peer back off from
 * ANTI_ENTROPY_INTERVAL_MS_MIN to ANTI_ENTROPY_INTERVAL_MS_MAX while the
 * mismatch persists (a backend conflict cannot be repaired by syncing).
 */
import type { DocBackend } from '../../crdt/backend.ts'
import { FNV1A_OFFSET_BASIS, fnv1a } from '../env/fnv1a.ts'
import { SUMMARIES_PER_FRAME_MAX, type SummariesFrame } from './wire.ts'

/** Least time between two rounds with one peer: a round costs ~6 bytes a document. */
export const ANTI_ENTROPY_INTERVAL_MS_MIN = 1_000
/** Most time between rounds while a mismatch persists: what it cannot repair is retried at this rate. */
export const ANTI_ENTROPY_INTERVAL_MS_MAX = 60_000

export interface SummarySource {
  name: string
  backendName: string
  backend: Pick<DocBackend, 'summary' | 'contentVersion'>
}

interface Cached {
  source: SummarySource
  version: number
  /** undefined: the document is empty (not announced, as the vectors digest leaves out empty vectors). */
  hash: number | undefined
}

const utf8 = new TextEncoder()

/** Per-document summary hashes and the node's content digest, recomputed only for what moved. */
export class ContentDigests {
  readonly #cache = new Map<string, Cached>()
  #digest = fnv1a(new Uint8Array(0))
  #stale = true

  /** The summary hash of one document (undefined when empty). */
  hashOf(source: SummarySource): number | undefined {
    const cached = this.#cache.get(source.name)
    const version = source.backend.contentVersion
    if (cached && cached.source === source && cached.version === version) return cached.hash
    const summary = source.backend.summary()
    const hash = summary.length === 0 ? undefined : fnv1a(summary)
    this.#cache.set(source.name, { source, version, hash })
    if (cached?.hash !== hash) this.#stale = true
    return hash
  }

  /** The digest over every non-empty document's (name, hash), in name order. */
  digest(sources: readonly SummarySource[]): number {
    for (const source of sources) this.hashOf(source)
    if (this.#cache.size !== sources.length) {
      const live = new Set(sources.map((s) => s.name))
      for (const name of this.#cache.keys()) if (!live.has(name)) this.#cache.delete(name)
      this.#stale = true
    }
    if (this.#stale) {
      // A collision only delays a repair until the content moves again.
      let h = FNV1A_OFFSET_BASIS
      for (const name of [...this.#cache.keys()].sort()) {
        const hash = this.#cache.get(name)?.hash
        if (hash === undefined) continue
        h = fnv1a(utf8.encode(name), h)
        h = fnv1a(Uint8Array.of(hash >>> 24, (hash >>> 16) & 0xff, (hash >>> 8) & 0xff, hash & 0xff), h)
      }
      this.#digest = h >>> 0
      this.#stale = false
    }
    return this.#digest
  }

  /** Every non-empty document's summary, as `summaries` frames covering the whole name space between them. */
  frames(sources: readonly SummarySource[]): SummariesFrame[] {
    const docs = sources
      .map((s) => ({ name: s.name, backend: s.backendName, hash: this.hashOf(s) }))
      .filter((d): d is { name: string; backend: string; hash: number } => d.hash !== undefined)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    const frames: SummariesFrame[] = []
    for (let i = 0; i === 0 || i < docs.length; i += SUMMARIES_PER_FRAME_MAX) {
      const chunk = docs.slice(i, i + SUMMARIES_PER_FRAME_MAX)
      const next = docs[i + SUMMARIES_PER_FRAME_MAX]
      frames.push({
        type: 'summaries',
        from: i === 0 ? '' : (chunk[0]?.name ?? ''),
        to: next?.name ?? '',
        docs: chunk,
      })
    }
    return frames
  }
}

/** Whether `name` falls in a summaries frame's range [from, to) (`to` empty: no upper bound). */
export function inRange(frame: Pick<SummariesFrame, 'from' | 'to'>, name: string): boolean {
  return name >= frame.from && (frame.to === '' || name < frame.to)
}

/**
 * The documents a received summaries frame says to sync: listed with another
 * hash, listed and absent here, or held here (non-empty) in its range and not
 * listed. Returns [name, backend] pairs; the backend of one held here is ours.
 */
export function mismatches(
  frame: SummariesFrame,
  ours: readonly SummarySource[],
  hashOf: (source: SummarySource) => number | undefined,
): Array<[string, string]> {
  const out: Array<[string, string]> = []
  const mine = new Map(ours.map((s) => [s.name, s]))
  const listed = new Set<string>()
  for (const d of frame.docs) {
    listed.add(d.name)
    const source = mine.get(d.name)
    if (!source || hashOf(source) !== d.hash) out.push([d.name, d.backend])
  }
  for (const source of ours) {
    if (listed.has(source.name) || !inRange(frame, source.name)) continue
    if (hashOf(source) !== undefined) out.push([source.name, source.backendName])
  }
  return out
}
