/**
 * Sync between two divergent replicas (a shared prefix, different suffixes)
 * settles in a few rounds and sends little more than the library's minimal
 * delta.
 *
 * Yjs: the minimal delta from A to B is `Y.encodeStateAsUpdate(A, svB)`.
 * A's update payloads must not exceed it (each side answers the one request
 * with exactly that diff), and A's whole messages must not exceed it plus,
 * per message, the frame header, two length prefixes and A's state vector.
 *
 * Automerge: the minimal delta is the changes B lacks (`getChanges(prefix,
 * A)`). For small documents Automerge 3 may ship the whole compressed
 * document instead, so the payload bound is the larger of the two. Its
 * protocol also sends heads (32 bytes per hash) and a Bloom filter of the
 * changes since the last sync (10 bits per change, Automerge's setting); the
 * allowance per message is sized from those.
 */
import * as Automerge from '@automerge/automerge'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import type { AutomergeBackend } from '../../crdt/automerge.ts'
import type { DocBackend } from '../../crdt/backend.ts'
import { decodeYjsSyncMessage } from '../../crdt/index.ts'
import type { YjsBackend } from '../../crdt/yjs.ts'
import { seededRandom } from '../../src/env/seeded-random.ts'
import { automergeDriver, type Driver, type Op, opArbitrary, yjsDriver } from './ops.ts'
import { propertyOptions } from './property-options.ts'
import { syncPair, totalBytes } from './sync-harness.ts'

const FILE = 'test/crdt/sync-bounds.test.ts'

/**
 * Messages per side for Yjs: the protocol needs exactly two (its request and
 * its reply), crossing or alternating; held over 3,000 runs. Any ping-pong
 * shows up as a third.
 */
const YJS_MESSAGES_MAX = 2
/** Frame header (version, type) plus two varUint length prefixes of at most 5 bytes each. */
const YJS_FRAME_OVERHEAD_MAX = 2 + 5 + 5
/**
 * Messages per side allowed for Automerge. Measured over 3,000 runs of the
 * property below: at most 5 when messages cross, 4 when sides alternate. The
 * protocol has no fixed bound: a Bloom-filter false positive costs a round,
 * and two in one exchange cost two (FC_SEED=285764648 found 7 messages in
 * duplex mode on the code this test was written against, about one run in
 * twelve of the property); 8 allows two, and the named case below keeps it.
 */
const AUTOMERGE_MESSAGES_MAX = 8
/** Hash size in Automerge heads, needs and last-sync lists. */
const AUTOMERGE_HASH_BYTES = 32
/** Hashes a message names at most here: heads of both sides, needs and last-sync heads. */
const AUTOMERGE_HASHES_PER_MESSAGE = 8
/** Automerge's Bloom filter setting. */
const AUTOMERGE_BLOOM_BITS_PER_CHANGE = 10
/** Fixed part of an Automerge sync message (type, counts, capabilities). */
const AUTOMERGE_MESSAGE_FIXED_BYTES = 32

const divergence = fc.record({
  seed: fc.integer(),
  prefix: fc.array(opArbitrary, { maxLength: 20 }),
  suffixA: fc.array(opArbitrary, { maxLength: 10 }),
  suffixB: fc.array(opArbitrary, { maxLength: 10 }),
  mode: fc.constantFrom('duplex' as const, 'turns' as const),
})

interface Pair {
  a: DocBackend
  b: DocBackend
}

/** A and B share `prefix` (B got A's updates), then each applies its own suffix. */
function diverge(driver: Driver, seed: number, prefix: Op[], suffixA: Op[], suffixB: Op[]): Pair {
  const random = seededRandom(seed)
  const a = driver.open(random.fork('a'))
  const b = driver.open(random.fork('b'))
  for (const update of [driver.genesis(a), ...prefix.map((op) => driver.apply(a, op))]) {
    if (update) b.applyUpdate(update)
  }
  for (const op of suffixA) driver.apply(a, op)
  for (const op of suffixB) driver.apply(b, op)
  return { a, b }
}

function expectConverged({ a, b }: Pair): void {
  expect(a.canonical()).toBe(b.canonical())
}

describe('yjs sync between divergent replicas', () => {
  it(`settles in at most ${YJS_MESSAGES_MAX} messages each way and sends at most the minimal delta`, () => {
    fc.assert(
      fc.property(divergence, ({ seed, prefix, suffixA, suffixB, mode }) => {
        const pair = diverge(yjsDriver, seed, prefix, suffixA, suffixB)
        const ydocA = (pair.a as YjsBackend).ydoc
        const ydocB = (pair.b as YjsBackend).ydoc
        const minimalAtoB = Y.encodeStateAsUpdate(ydocA, Y.encodeStateVector(ydocB)).length
        const minimalBtoA = Y.encodeStateAsUpdate(ydocB, Y.encodeStateVector(ydocA)).length
        const run = syncPair(pair.a, pair.b, mode)
        expectConverged(pair)
        expect(run.sentByA.length).toBeLessThanOrEqual(YJS_MESSAGES_MAX)
        expect(run.sentByB.length).toBeLessThanOrEqual(YJS_MESSAGES_MAX)
        checkYjsBytes(run.sentByA, minimalAtoB, Y.encodeStateVector(ydocA).length, mode)
        checkYjsBytes(run.sentByB, minimalBtoA, Y.encodeStateVector(ydocB).length, mode)
      }),
      propertyOptions(FILE),
    )
  })

  it('sends a diff, not the document, when the peer holds most of it', () => {
    const prefix: Op[] = Array.from({ length: 300 }, (_, i) => ({ kind: 'textInsert', at: i, text: 'abcd' }))
    const pair = diverge(yjsDriver, 7, prefix, [{ kind: 'mapSet', key: 'a', value: 1 }], [])
    const run = syncPair(pair.a, pair.b)
    expectConverged(pair)
    expect(totalBytes(run.sentByA)).toBeLessThan(pair.a.snapshot().length / 10)
    expect([run.sentByA.length, run.sentByB.length]).toEqual([2, 2])
  })
})

/**
 * In duplex mode each side's payloads are exactly the diff against the peer's
 * first vector. In turns mode B answers after it has A's news, so its reply's
 * delete set may also hold A's deletions: the allowance is the delete set of
 * the final document, which the minimal delta already contains at most once.
 */
function checkYjsBytes(sent: Uint8Array[], minimal: number, stateVectorBytes: number, mode: string): void {
  const payload = sent.reduce((sum, message) => sum + (decodeYjsSyncMessage(message).update?.length ?? 0), 0)
  if (mode === 'duplex') expect(payload).toBeLessThanOrEqual(minimal)
  expect(totalBytes(sent)).toBeLessThanOrEqual(
    (mode === 'duplex' ? minimal : 2 * minimal) + sent.length * (YJS_FRAME_OVERHEAD_MAX + stateVectorBytes),
  )
}

describe('automerge sync between divergent replicas', () => {
  it(`settles in at most ${AUTOMERGE_MESSAGES_MAX} messages each way and sends the missing changes plus summaries`, () => {
    fc.assert(
      fc.property(divergence, ({ seed, prefix, suffixA, suffixB, mode }) => {
        const pair = diverge(automergeDriver, seed, prefix, suffixA, suffixB)
        const docA = (pair.a as AutomergeBackend).doc
        const docB = (pair.b as AutomergeBackend).doc
        const missingAtB = changeBytes(Automerge.getChangesSince(docA, Automerge.getHeads(docB)))
        const missingAtA = changeBytes(Automerge.getChangesSince(docB, Automerge.getHeads(docA)))
        const changeCount = Automerge.getAllChanges(docA).length + Automerge.getAllChanges(docB).length
        const run = syncPair(pair.a, pair.b, mode)
        expectConverged(pair)
        const merged = pair.a.snapshot().length
        expect(run.sentByA.length).toBeLessThanOrEqual(AUTOMERGE_MESSAGES_MAX)
        expect(run.sentByB.length).toBeLessThanOrEqual(AUTOMERGE_MESSAGES_MAX)
        checkAutomergeBytes(run.sentByA, Math.max(missingAtB, merged), changeCount)
        checkAutomergeBytes(run.sentByB, Math.max(missingAtA, merged), changeCount)
      }),
      propertyOptions(FILE),
    )
  })

  it('settles within the bound when Bloom-filter false positives cost extra rounds (FC_SEED=285764648: 7 messages)', () => {
    const pair = diverge(
      automergeDriver,
      -30,
      [{ kind: 'mapSetList', key: 'a', values: [] }],
      [
        { kind: 'textInsert', at: 0, text: 'M' },
        { kind: 'textDelete', at: 0, count: 1 },
        { kind: 'mapSetList', key: 'c', values: [1610612720] },
        { kind: 'textInsert', at: 0, text: ' ' },
        { kind: 'textInsert', at: 0, text: ' ' },
      ],
      [
        { kind: 'textInsert', at: 0, text: ':E:`' },
        { kind: 'listInsert', at: 0, value: -86866605 },
        { kind: 'listDelete', at: 0, count: 1 },
      ],
    )
    const run = syncPair(pair.a, pair.b, 'duplex')
    expectConverged(pair)
    expect(Math.max(run.sentByA.length, run.sentByB.length)).toBeGreaterThan(6)
    expect(Math.max(run.sentByA.length, run.sentByB.length)).toBeLessThanOrEqual(AUTOMERGE_MESSAGES_MAX)
  })

  it('sends the missing changes, not the document, when the peer holds most of it', () => {
    const prefix: Op[] = Array.from({ length: 300 }, (_, i) => ({ kind: 'textInsert', at: i, text: 'abcd' }))
    const pair = diverge(automergeDriver, 7, prefix, [{ kind: 'mapSet', key: 'a', value: 1 }], [])
    const docA = (pair.a as AutomergeBackend).doc
    const missing = changeBytes(
      Automerge.getChangesSince(docA, Automerge.getHeads((pair.b as AutomergeBackend).doc)),
    )
    const run = syncPair(pair.a, pair.b)
    expectConverged(pair)
    expect(changePayload(run.sentByA)).toBe(missing)
    // Against the whole history (what B would get if A sent every change): the
    // Bloom filter over 300 changes is most of what is sent.
    expect(totalBytes(run.sentByA)).toBeLessThan(changeBytes(Automerge.getAllChanges(docA)) / 10)
  })
})

function changeBytes(changes: readonly Uint8Array[]): number {
  return changes.reduce((sum, change) => sum + change.length, 0)
}

/** Bytes of changes (or document chunks) the messages carry. */
function changePayload(sent: readonly Uint8Array[]): number {
  return sent.reduce((sum, message) => sum + changeBytes(Automerge.decodeSyncMessage(message).changes), 0)
}

/**
 * `payloadMax` is the missing changes or, when Automerge chooses to ship the
 * whole compressed document instead (its v2 messages do for small documents),
 * the merged document's size, whichever is larger. On top: per message, a few
 * hashes (heads, needs, last sync) and one Bloom filter over every change.
 */
function checkAutomergeBytes(sent: Uint8Array[], payloadMax: number, changeCount: number): void {
  expect(changePayload(sent)).toBeLessThanOrEqual(payloadMax)
  const bloomBytes = Math.ceil((changeCount * AUTOMERGE_BLOOM_BITS_PER_CHANGE) / 8)
  const perMessage =
    AUTOMERGE_MESSAGE_FIXED_BYTES + AUTOMERGE_HASHES_PER_MESSAGE * AUTOMERGE_HASH_BYTES + bloomBytes
  expect(totalBytes(sent)).toBeLessThanOrEqual(payloadMax + sent.length * perMessage)
}
