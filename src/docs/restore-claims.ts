/**
 * What a document loaded from the store may vouch for (DESIGN §4, never claim
 * what you do not hold). Three sources speak for its dots: the snapshot's
 * `covers` (the snapshot holds that content), the dots of intact log entries,
 * and the vector claimed after sync exchanges (dotless content, kept in
 * metadata). The last one cannot be checked against the content, so it is
 * believed only when nothing of the document was lost: no damaged record, no
 * entry the backend could not read, no change left waiting for a dependency.
 * Otherwise the claim is withdrawn to what is provably held, the vector falls
 * behind the peers', and the ordinary pull fetches the rest from them.
 *
 * Whatever is withdrawn, this node's own seq restarts above the durable
 * high-water mark, so a dot is never issued twice.
 */
import type { Dot, VersionVector } from '../../store/store.ts'
import { merge } from '../sync/version-vector.ts'

/** A document found with less than the node had made durable, per origin how many dots it lacks. */
export interface DocDamage {
  doc: string
  /** Records of this document that failed their checksum or could not be decoded. */
  damagedRecords: number
  /** Intact log entries the backend could not read. */
  unreadableEntries: number
  /** Changes left waiting for dependencies that are not in the store. */
  pendingDependencies: boolean
  /** Per origin, how many dots the high-water mark says were durable here and are not held now. */
  missing: VersionVector
}

export interface StoredClaims {
  self: string
  covers: VersionVector
  /** Dots of the log entries that were intact and applied. */
  intactDots: readonly Dot[]
  /** The vector claimed after sync exchanges (metadata). */
  claimed: VersionVector
  /** The store's high-water mark for the document, if its record is intact. */
  highWater: VersionVector | undefined
  /** Some record of the document was damaged or unreadable. */
  damaged: boolean
  /** The backend holds changes waiting for dependencies after loading. */
  pending: boolean
}

export interface RestoredClaims {
  /** The vector to start from (contiguous per origin). */
  vector: VersionVector
  /** Dots to add on top of it (some may lie above a gap). */
  aboveGap: Dot[]
  /** Dots durable here whose content waits on a dependency: claimed once the backend has none pending. */
  deferred: Dot[]
  /** The highest own seq ever issued: the next local change takes the one after. */
  ownSeq: number
  /** Whether the metadata claim (or the log's dots) were withdrawn. */
  withdrawn: boolean
  /** Per origin, dots the node had made durable and no longer holds (only when withdrawn). */
  missing: VersionVector
  /**
   * This node's own dots, issued (the high-water mark says so) and held
   * nowhere here: filled with empty entries (see DocReplica.fillLostOwnDots),
   * since no later dot of ours may wait forever on one that may exist nowhere.
   */
  lostOwn: number[]
}

/**
 * Own dots filled at most per document on one load: a damaged snapshot can
 * take thousands of dots with it, and past this many the node leaves the rest
 * to its peers' vectors (they hold what was acknowledged).
 */
export const LOST_OWN_FILLS_MAX = 10_000

export function restoreClaims(input: StoredClaims): RestoredClaims {
  const withdrawn = input.damaged || input.pending
  const vector = withdrawn ? { ...input.covers } : merge(input.covers, input.claimed)
  // With changes pending, the log's content is not all integrated (only the snapshot's is): its dots
  // wait until the missing dependency is fetched. Dropping them instead would leave every node
  // waiting forever on a dot only this one holds.
  const dotted = input.intactDots.filter((dot) => dot.seq > 0)
  const aboveGap = input.pending ? [] : dotted
  const deferred = input.pending ? dotted : []
  const ownSeq = Math.max(
    input.highWater?.[input.self] ?? 0,
    input.covers[input.self] ?? 0,
    input.claimed[input.self] ?? 0,
    ...input.intactDots.filter((dot) => dot.origin === input.self).map((dot) => dot.seq),
  )
  // Missing: what was durable and is not in the store now (an intact entry still waiting on a lost one is held, just not claimed).
  const missing = withdrawn
    ? missingDots(vector, input.intactDots, merge(input.claimed, input.highWater ?? {}))
    : {}
  const lostOwn = withdrawn ? lostOwnSeqs(input.self, vector, input.intactDots, ownSeq) : []
  return { vector, aboveGap, deferred, ownSeq, withdrawn, missing, lostOwn }
}

/** Own seqs up to `ownSeq` that are neither under `vector` nor among the intact dots (at most LOST_OWN_FILLS_MAX). */
function lostOwnSeqs(self: string, vector: VersionVector, dots: readonly Dot[], ownSeq: number): number[] {
  const held = new Set(dots.filter((d) => d.origin === self).map((d) => d.seq))
  const lost: number[] = []
  for (let seq = (vector[self] ?? 0) + 1; seq <= ownSeq && lost.length < LOST_OWN_FILLS_MAX; seq++) {
    if (!held.has(seq)) lost.push(seq)
  }
  return lost
}

/** Per origin, how many seqs up to `durable` are neither under `vector` nor among `dots`. */
function missingDots(vector: VersionVector, dots: readonly Dot[], durable: VersionVector): VersionVector {
  const missing: VersionVector = {}
  for (const [origin, high] of Object.entries(durable)) {
    const frontier = vector[origin] ?? 0
    const above = new Set(
      dots.filter((d) => d.origin === origin && d.seq > frontier && d.seq <= high).map((d) => d.seq),
    )
    const count = high - frontier - above.size
    if (count > 0) missing[origin] = count
  }
  return missing
}
