import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { bridgeLinks, isolateLinks, majoritiesRingLinks, partitionLinks } from '../../sim/links.ts'

const idsOf = (n: number) => Array.from({ length: n }, (_, i) => `n${i + 1}`)
const key = ([a, b]: readonly [string, string]) => `${a}>${b}`

/** Who `id` can still reach (including itself) given the cut links. */
function reach(ids: string[], cut: Set<string>, id: string): string[] {
  return ids.filter((other) => other === id || !cut.has(`${id}>${other}`))
}

describe('link tables', () => {
  it('partition(groups) cuts exactly the links between different groups, both ways', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 9 })
          .chain((n) => fc.tuple(fc.constant(n), fc.array(fc.nat(3), { minLength: n, maxLength: n }))),
        ([n, labels]) => {
          const ids = idsOf(n)
          // Label 3 means "listed in no group": those form one more group together.
          const groups = [0, 1, 2]
            .map((g) => ids.filter((_, i) => labels[i] === g))
            .filter((g) => g.length > 0)
          const groupOf = (id: string) => labels[ids.indexOf(id)] as number
          const cut = new Set(partitionLinks(ids, groups).map(key))
          for (const a of ids) {
            for (const b of ids) {
              if (a !== b) expect(cut.has(`${a}>${b}`)).toBe(groupOf(a) !== groupOf(b))
            }
          }
        },
      ),
      { numRuns: 300 },
    )
  })

  it('isolate(id) cuts id off from all others and nothing else', () => {
    const cut = new Set(isolateLinks(idsOf(4), 'n2').map(key))
    expect([...cut].sort()).toEqual(['n1>n2', 'n2>n1', 'n2>n3', 'n2>n4', 'n3>n2', 'n4>n2'])
  })

  it('bridge: left and right cannot talk, the middle reaches everyone', () => {
    const ids = idsOf(5)
    const cut = new Set(bridgeLinks(ids, ['n1', 'n2'], 'n3').map(key))
    expect(reach(ids, cut, 'n3')).toEqual(ids)
    expect(reach(ids, cut, 'n1')).toEqual(['n1', 'n2', 'n3'])
    expect(reach(ids, cut, 'n5')).toEqual(['n3', 'n4', 'n5'])
  })

  it('majoritiesRing: every node reaches a majority, from 4 nodes on no two the same, symmetric', () => {
    for (let n = 1; n <= 12; n++) {
      const ids = idsOf(n)
      const cut = new Set(majoritiesRingLinks(ids).map(key))
      const views = ids.map((id) => reach(ids, cut, id).join(','))
      for (const id of ids) expect(reach(ids, cut, id).length).toBeGreaterThanOrEqual(Math.floor(n / 2) + 1)
      if (n >= 4) expect(new Set(views).size).toBe(n)
      else expect(cut.size).toBe(0)
      for (const link of cut) expect(cut.has(link.split('>').reverse().join('>'))).toBe(true)
    }
  })
})
