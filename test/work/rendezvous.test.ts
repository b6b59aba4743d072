/**
 * Rendezvous hashing: removing a member moves only the tasks it owned,
 * adding one takes tasks only for itself, the spread is even, a weight gives
 * a proportional share, and every process agrees (fixed vectors).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { rendezvousOwner, rendezvousUnit } from '../../src/work/rendezvous.ts'

const params = { seed: 1011, numRuns: 200 }
const memberIds = fc.uniqueArray(fc.stringMatching(/^n[0-9a-z]{1,6}$/), { minLength: 2, maxLength: 8 })
const taskIds = fc.uniqueArray(fc.stringMatching(/^r[0-9a-f]{8}$/), { minLength: 1, maxLength: 40 })

describe('rendezvous ownership', () => {
  it('moves only the removed member tasks when a member leaves (minimal disruption)', () => {
    fc.assert(
      fc.property(memberIds, taskIds, fc.nat(), (members, tasks, pick) => {
        const gone = members[pick % members.length] as string
        const rest = members.filter((m) => m !== gone)
        for (const task of tasks) {
          const before = rendezvousOwner(task, members)
          const after = rendezvousOwner(task, rest)
          if (before === gone) expect(after).not.toBe(gone)
          else expect(after).toBe(before)
        }
      }),
      params,
    )
  })

  it('gives a joining member only tasks, never moves tasks between the others', () => {
    fc.assert(
      fc.property(memberIds, taskIds, (members, tasks) => {
        const [joiner, ...others] = members as [string, ...string[]]
        for (const task of tasks) {
          const after = rendezvousOwner(task, members)
          if (after !== joiner) expect(after).toBe(rendezvousOwner(task, others))
        }
      }),
      params,
    )
  })

  it('spreads tasks evenly, and in proportion to capacity weights', () => {
    const members = ['n1', 'n2', 'n3', 'n4', 'n5']
    const count = (weights?: Map<string, number>) => {
      const owned = new Map<string, number>()
      for (let i = 0; i < 10_000; i++) {
        const owner = rendezvousOwner(`r${i.toString(16).padStart(8, '0')}`, members, weights) as string
        owned.set(owner, (owned.get(owner) ?? 0) + 1)
      }
      return owned
    }
    // 2,000 each expected; binomial σ ≈ 40, so ±10 % is > 4σ.
    for (const n of count().values()) expect(Math.abs(n - 2_000)).toBeLessThan(200)
    // n1 at weight 2: 2/6 of the tasks (3,333), the others 1/6 (1,667).
    const weighted = count(new Map([['n1', 2]]))
    expect(Math.abs((weighted.get('n1') ?? 0) - 3_333)).toBeLessThan(250)
    for (const m of members.slice(1)) expect(Math.abs((weighted.get(m) ?? 0) - 1_667)).toBeLessThan(200)
  })

  it('maps hashes into the open interval (0, 1) and is the same in every process', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (m, t) => {
        const u = rendezvousUnit(m, t)
        expect(u).toBeGreaterThan(0)
        expect(u).toBeLessThan(1)
      }),
      params,
    )
    // Fixed vectors: sha256 of "n1\0r1" and "n2\0r1"; a change here re-deals every task.
    expect(rendezvousUnit('n1', 'r1')).toMatchSnapshot()
    expect(rendezvousOwner('r1', ['n1', 'n2', 'n3'])).toMatchSnapshot()
    expect(rendezvousOwner('r1', [])).toBeUndefined()
  })
})
