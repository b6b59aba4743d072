/**
 * The Automerge backend: one Automerge document behind DocBackend. Updates
 * are change chunks (one per `change`, concatenated when a sync message
 * brought several), snapshots are `Automerge.save`, and sync is Automerge's
 * own protocol (automerge-sync.ts).
 *
 * Cost: Automerge 3's per-change cost grows with the document (measured on
 * this project's 2-core machine: ~1,560 single-key changes/s at 1k keys, ~400/s
 * at 10k keys). Callers batch many edits into one `change`. Applying remote
 * changes costs per call more than per change: `applyUpdates` takes many.
 *
 * Automerge documents are immutable values: every change returns a new one.
 * The backend keeps the current one; `doc` always returns it, and older
 * references must not be used to change anything.
 */
import * as Automerge from '@automerge/automerge'
import type { Clock, Random } from '../src/env/types.ts'
import { CHUNK_DOCUMENT, concatChunks, splitChunks } from './automerge-chunks.ts'
import { type AutomergeSyncHost, createAutomergePeerSync } from './automerge-sync.ts'
import type { DocBackend, PeerSync } from './backend.ts'
import { canonicalJson } from './canonical.ts'
import { decodeFailure } from './errors.ts'
import { hex } from './hex.ts'

// biome-ignore lint/suspicious/noExplicitAny: the document's shape belongs to the caller, as in Automerge's own API
type AnyDoc = Automerge.Doc<any>
/** What a change callback gets: Automerge's mutable proxy of the root (`Doc<T>` is read-only). */
// biome-ignore lint/suspicious/noExplicitAny: as Automerge's own ChangeFn<any>
type MutableRoot = any

/** Options of `createAutomergeBackend`. */
export interface AutomergeBackendOptions {
  /** Source of the actor id (16 bytes). Automerge's default would draw from the real crypto source. */
  random: Random
  /** Bytes from `snapshot()` (`Automerge.save`) to start from. */
  snapshot?: Uint8Array
  /**
   * Stamps each change with `floor(now() / 1000)` seconds. Without it changes
   * carry time 0: Automerge's default reads the real clock, which would make
   * change hashes, and so simulation traces, differ from run to run.
   */
  clock?: Pick<Clock, 'now'>
}

/** A DocBackend over an Automerge document. */
export interface AutomergeBackend extends DocBackend<AnyDoc> {
  readonly name: 'automerge'
  /** As DocBackend's, with the callback getting Automerge's mutable proxy, as `Automerge.change` gives it. */
  change(fn: (doc: MutableRoot) => void): Uint8Array | null
  /** The current document (a new object after every change or applied update). */
  readonly doc: AnyDoc
}

/** Opens an Automerge replica; throws CrdtDecodeError if `snapshot` cannot be read. */
export function createAutomergeBackend(options: AutomergeBackendOptions): AutomergeBackend {
  return new AutomergeReplica(options)
}

class AutomergeReplica implements AutomergeBackend, AutomergeSyncHost {
  readonly name = 'automerge'
  readonly #clock: Pick<Clock, 'now'> | undefined
  #doc: AnyDoc
  #contentVersion = 0

  constructor({ random, snapshot, clock }: AutomergeBackendOptions) {
    this.#clock = clock
    const actor = hex(random.bytes(16))
    this.#doc = snapshot === undefined ? Automerge.init({ actor }) : loadSnapshot(snapshot, actor)
  }

  get doc(): AnyDoc {
    return this.#doc
  }

  change(fn: (doc: MutableRoot) => void): Uint8Array | null {
    const before = Automerge.getHeads(this.#doc)
    // Automerge.change rolls back by itself if fn throws.
    this.#doc = Automerge.change(this.#doc, { time: this.#timeSeconds() }, fn)
    if (sameHeads(before, Automerge.getHeads(this.#doc))) return null
    this.#contentVersion++
    return Automerge.getLastLocalChange(this.#doc) ?? null
  }

  applyUpdate(update: Uint8Array): boolean {
    return this.applyUpdates([update])
  }

  applyUpdates(updates: readonly Uint8Array[]): boolean {
    if (updates.length === 0) return false
    // Every chunk is verified before any is applied (automerge-chunks.ts).
    const chunks = updates.flatMap((update) => splitChunks(update))
    const changesOnly = chunks.every((chunk) => chunk.type !== CHUNK_DOCUMENT)
    // One library call for all of them: an applyChanges call costs time that
    // grows with the document whether it carries one change or a thousand
    // (measured here: ~2-3 ms at 5k text edits, ~10 ms at 20k, ~32 ms at 60k,
    // 60-100 ms at B4's 260k; the getHeads and getChangesSince around it were
    // ~1% of that), so one call per update made a 1,000-entry log tail of a
    // B4-sized document take ~45 s to load, and one call takes ~0.4 s.
    // applyChanges parses every change before applying any, and queues those
    // whose dependencies are missing until they arrive. A snapshot (document
    // chunk) goes through loadIncremental, which merges the same way.
    return this.#step('automerge update', Automerge.getHeads(this.#doc), (doc) =>
      changesOnly
        ? Automerge.applyChanges(
            doc,
            chunks.map((chunk) => chunk.bytes),
          )[0]
        : Automerge.loadIncremental(doc, concatChunks(updates)),
    )
  }

  onLocalUpdate(_listener: (update: Uint8Array) => void): () => void {
    // Every edit of an Automerge document goes through change(): nothing to report.
    return () => {}
  }

  syncWith(saved?: Uint8Array): PeerSync {
    return createAutomergePeerSync(this, saved)
  }

  snapshot(): Uint8Array {
    return Automerge.save(this.#doc)
  }

  value(): unknown {
    return plainJson(Automerge.toJS(this.#doc))
  }

  canonical(): string {
    return canonicalJson(this.value())
  }

  get contentVersion(): number {
    return this.#contentVersion
  }

  summary(): Uint8Array {
    // Heads name the whole history (each is a hash over its dependencies); sorted, so order of arrival does not matter.
    const heads = [...Automerge.getHeads(this.#doc)].sort()
    return new TextEncoder().encode(heads.join(','))
  }

  hasPending(): boolean {
    // Hashes that queued changes depend on but the document lacks.
    return Automerge.getMissingDeps(this.#doc, []).length > 0
  }

  destroy(): void {
    Automerge.free(this.#doc)
  }

  advance(what: string, step: (doc: AnyDoc) => AnyDoc): Uint8Array | null {
    const before = Automerge.getHeads(this.#doc)
    if (!this.#step(what, before, step)) return null
    // Only sync needs the changes themselves (to persist them): applyUpdates does not pay for this.
    return concatChunks(Automerge.getChangesSince(this.#doc, before))
  }

  /** Replaces the document with `step(doc)`; true if its heads moved away from `before`. */
  #step(what: string, before: readonly string[], step: (doc: AnyDoc) => AnyDoc): boolean {
    try {
      this.#doc = step(this.#doc)
    } catch (error) {
      throw decodeFailure(what, error)
    }
    const moved = !sameHeads(before, Automerge.getHeads(this.#doc))
    if (moved) this.#contentVersion++
    return moved
  }

  #timeSeconds(): number {
    return this.#clock === undefined ? 0 : Math.floor(this.#clock.now() / 1000)
  }
}

function loadSnapshot(snapshot: Uint8Array, actor: string): AnyDoc {
  splitChunks(snapshot) // checksums first: Automerge.load does not verify changes
  try {
    return Automerge.load(snapshot, { actor })
  } catch (error) {
    throw decodeFailure('automerge snapshot', error)
  }
}

function sameHeads(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((head, i) => head === b[i])
}

/** Automerge's JS values as plain JSON: counters as numbers, dates as ISO strings, bytes as byte arrays. */
function plainJson(value: unknown): unknown {
  if (value instanceof Automerge.Counter) return value.value
  if (value instanceof Automerge.ImmutableString) return value.toString()
  if (value instanceof Date) return value.toJSON()
  if (value instanceof Uint8Array) return Array.from(value)
  if (Array.isArray(value)) return value.map(plainJson)
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, member]) => [key, plainJson(member)]))
  }
  return value
}
