import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type DigestSource, VectorsDigestCache, vectorsDigest } from '../../src/node/digest.ts'
import { DotTracker } from '../../src/sync/dot-tracker.ts'

/** A document as the node's replicas present it: its vector and version come from a DotTracker. */
function doc(name: string): DigestSource & { tracker: DotTracker } {
  const tracker = new DotTracker()
  return {
    name,
    tracker,
    get vector() {
      return tracker.vector
    },
    get vectorVersion() {
      return tracker.version
    },
  }
}

describe('VectorsDigestCache', () => {
  it('always answers what vectorsDigest computes afresh', () => {
    const step = fc.oneof(
      fc.tuple(fc.constant('open' as const), fc.constantFrom('plan', 'notes', 'tasks')),
      fc.tuple(
        fc.constant('dot' as const),
        fc.nat({ max: 2 }),
        fc.constantFrom('n1', 'n2'),
        fc.nat({ max: 6 }),
      ),
      fc.tuple(
        fc.constant('vector' as const),
        fc.nat({ max: 2 }),
        fc.constantFrom('n1', 'n2'),
        fc.nat({ max: 6 }),
      ),
      fc.tuple(fc.constant('reopen' as const), fc.nat({ max: 2 })),
    )
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        const cache = new VectorsDigestCache()
        let docs: Array<ReturnType<typeof doc>> = []
        expect(cache.digest(docs)).toBe(vectorsDigest(docs))
        for (const s of steps) {
          if (s[0] === 'open') {
            if (!docs.some((d) => d.name === s[1])) docs = [...docs, doc(s[1])]
          } else if (s[0] === 'reopen') {
            // A new replica object under an old name (a restarted node's): its empty vector counts.
            const at = s[1] % Math.max(1, docs.length)
            if (docs[at] !== undefined) docs = docs.map((d, i) => (i === at ? doc(d.name) : d))
          } else {
            const target = docs[s[1] % Math.max(1, docs.length)]
            if (target === undefined) continue
            if (s[0] === 'dot') target.tracker.add({ origin: s[2], seq: s[3] })
            else target.tracker.addVector({ [s[2]]: s[3] })
          }
          expect(cache.digest(docs)).toBe(vectorsDigest(docs))
        }
      }),
      { numRuns: 300 },
    )
  })
})
