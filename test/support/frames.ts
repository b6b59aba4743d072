/** fast-check arbitraries for wire frames, shared by the codec tests and the hostile-peer tests. */
import fc from 'fast-check'
import type { Frame } from '../../src/node/frames.ts'

/** Short names, sometimes ones the node uses (so hostile frames hit real documents and peers). */
const name = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.constantFrom('plan', 'notes', 'yjs', 'automerge', 'n1', 'n2', '__proto__'),
)
const vector = fc.dictionary(name, fc.nat())
const bytes = fc.uint8Array({ maxLength: 64 })

/** Any frame the encoder accepts. */
export const frameArbitrary: fc.Arbitrary<Frame> = fc.oneof(
  fc.record({
    type: fc.constant('heartbeat' as const),
    seq: fc.nat(),
    digest: fc.nat({ max: 0xffff_ffff }),
    contentDigest: fc.nat({ max: 0xffff_ffff }),
    members: fc.array(fc.record({ id: name, addresses: fc.array(name, { maxLength: 3 }) }), { maxLength: 6 }),
    reach: fc.array(fc.record({ peer: name, status: fc.constantFrom('alive', 'suspect', 'dead' as const) }), {
      maxLength: 6,
    }),
  }),
  fc.record({
    type: fc.constant('vectors' as const),
    reply: fc.boolean(),
    docs: fc.array(fc.record({ name, backend: name, vector }), { maxLength: 4 }),
  }),
  fc.record({
    type: fc.constant('sync' as const),
    doc: name,
    backend: name,
    vector,
    restart: fc.boolean(),
    payload: bytes,
  }),
  fc.record({
    type: fc.constant('updates' as const),
    doc: name,
    backend: name,
    origin: name,
    entries: fc.array(fc.record({ seq: fc.nat(), update: bytes }), { maxLength: 4 }),
  }),
  fc.record({
    type: fc.constant('ack' as const),
    doc: name,
    origin: name,
    seqs: fc.array(fc.nat(), { maxLength: 4 }),
  }),
  fc.record({
    type: fc.constant('summaries' as const),
    from: name,
    to: name,
    docs: fc.array(fc.record({ name, backend: name, hash: fc.nat({ max: 0xffff_ffff }) }), { maxLength: 4 }),
  }),
)
