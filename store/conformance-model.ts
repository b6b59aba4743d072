/**
 * The model-based part of the Store conformance suite: random sequences of
 * append, compact, putMeta, bursts (several calls in one tick) and reopen,
 * run against a Store and against a few Maps, compared after every step.
 */
import fc from 'fast-check'
import { expect } from 'vitest'
import type { Store, StoredDoc, StoredUpdate, VersionVector } from './store.ts'

/** The Store being checked and how to restart it (see `StoreUnderTest` in conformance.ts). */
export interface ModelReal {
  store: Store
  reopen(): Promise<Store>
}

interface ModelDoc {
  backend: string
  snapshot?: { bytes: Uint8Array; covers: VersionVector }
  updates: StoredUpdate[]
  /** The highest seq per origin ever appended or covered: what `load` reports as `highWater`. */
  highWater: VersionVector
}

/** What the store should hold. */
export interface StoreModel {
  docs: Map<string, ModelDoc>
  meta: Map<string, Uint8Array>
  /** The dot seq of the next append (one origin writes them all). */
  nextDotSeq: number
}

/** Document names and metadata keys the model draws from: the separators, escapes and lone surrogates included. */
export const MODEL_NAMES = [
  'a',
  'b',
  'a!log!0000000000000001',
  'a!snap',
  '%21',
  '',
  'ü/日本',
  '\uD800',
  'meta!a',
]

const ORIGIN = 'model-origin'

function backendOf(doc: string): string {
  return MODEL_NAMES.indexOf(doc) % 2 === 0 ? 'yjs' : 'automerge'
}

/** One call of a burst; a burst issues all its calls before awaiting any. */
type BurstStep = { kind: 'append'; doc: string; update: Uint8Array } | { kind: 'compact'; doc: string }

/** Issues one call against the store and mirrors it in the model, both synchronously. */
function issue(model: StoreModel, store: Store, step: BurstStep): Promise<unknown> {
  if (step.kind === 'append') {
    const entry = { dot: { origin: ORIGIN, seq: model.nextDotSeq++ }, update: step.update }
    const doc = model.docs.get(step.doc) ?? { backend: backendOf(step.doc), updates: [], highWater: {} }
    model.docs.set(step.doc, doc)
    doc.updates.push(entry)
    doc.highWater[ORIGIN] = entry.dot.seq
    return store.append(step.doc, doc.backend, entry)
  }
  const doc = model.docs.get(step.doc)
  const covers = { [ORIGIN]: model.nextDotSeq - 1, other: 7 }
  // The snapshot names what it replaced, so a wrong deletion would show as a mismatch.
  const bytes = new TextEncoder().encode(JSON.stringify({ doc: step.doc, through: model.nextDotSeq - 1 }))
  const call = store.compact(step.doc, bytes, covers)
  if (!doc) return expect(call).rejects.toMatchObject({ name: 'StoreInputError' })
  doc.snapshot = { bytes, covers }
  doc.updates = []
  for (const [origin, seq] of Object.entries(covers))
    doc.highWater[origin] = Math.max(doc.highWater[origin] ?? 0, seq)
  return call
}

async function expectDoc(model: StoreModel, store: Store, name: string): Promise<void> {
  const doc = model.docs.get(name)
  const expected: StoredDoc | undefined = doc && {
    name,
    backend: doc.backend,
    updates: doc.updates,
    highWater: doc.highWater,
    damagedRecords: 0,
  }
  if (expected && doc?.snapshot) expected.snapshot = doc.snapshot
  expect(await store.load(name)).toEqual(expected)
}

/** Compares everything the store holds with the model. */
export async function expectSameAsModel(model: StoreModel, store: Store): Promise<void> {
  expect(await store.docs()).toEqual([...model.docs.keys()].sort())
  for (const name of MODEL_NAMES) {
    await expectDoc(model, store, name)
    expect(await store.getMeta(name)).toEqual(model.meta.get(name))
  }
}

class BurstCommand implements fc.AsyncCommand<StoreModel, ModelReal> {
  readonly steps: BurstStep[]
  constructor(steps: BurstStep[]) {
    this.steps = steps
  }
  check(): boolean {
    return true
  }
  async run(model: StoreModel, real: ModelReal): Promise<void> {
    await Promise.all(this.steps.map((step) => issue(model, real.store, step)))
    for (const name of new Set(this.steps.map((step) => step.doc))) await expectDoc(model, real.store, name)
  }
  toString(): string {
    return `burst(${this.steps.map((s) => `${s.kind} ${JSON.stringify(s.doc)}`).join(', ')})`
  }
}

class PutMetaCommand implements fc.AsyncCommand<StoreModel, ModelReal> {
  readonly key: string
  readonly value: Uint8Array
  constructor(key: string, value: Uint8Array) {
    this.key = key
    this.value = value
  }
  check(): boolean {
    return true
  }
  async run(model: StoreModel, real: ModelReal): Promise<void> {
    model.meta.set(this.key, this.value)
    await real.store.putMeta(this.key, this.value)
    expect(await real.store.getMeta(this.key)).toEqual(this.value)
  }
  toString(): string {
    return `putMeta(${JSON.stringify(this.key)}, ${this.value.byteLength} bytes)`
  }
}

class ReopenCommand implements fc.AsyncCommand<StoreModel, ModelReal> {
  check(): boolean {
    return true
  }
  async run(model: StoreModel, real: ModelReal): Promise<void> {
    real.store = await real.reopen()
    expect(await real.store.open()).toEqual({ corrupt: [] })
    await expectSameAsModel(model, real.store)
  }
  toString(): string {
    return 'reopen'
  }
}

const nameArb = fc.constantFrom(...MODEL_NAMES)
const stepArb: fc.Arbitrary<BurstStep> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant('append' as const),
      doc: nameArb,
      update: fc.uint8Array({ maxLength: 64 }),
    }),
    weight: 4,
  },
  { arbitrary: fc.record({ kind: fc.constant('compact' as const), doc: nameArb }), weight: 1 },
)

/** The commands of the model test; a burst of one step is a plain append or compact. */
export const storeCommands = fc.commands(
  [
    fc.array(stepArb, { minLength: 1, maxLength: 6 }).map((steps) => new BurstCommand(steps)),
    fc.tuple(nameArb, fc.uint8Array({ maxLength: 32 })).map(([key, value]) => new PutMetaCommand(key, value)),
    fc.constant(new ReopenCommand()),
  ],
  { maxCommands: 24 },
)

/** An empty model. */
export function emptyModel(): StoreModel {
  return { docs: new Map(), meta: new Map(), nextDotSeq: 1 }
}
