/**
 * Seeds that once failed, each with what it found. They run every time, so
 * the bug they caught stays fixed.
 */
import { describe, expect, it } from 'vitest'
import { runAgentScenario } from './agent-run.ts'

const regressions: Array<{ scenario: string; seeds: number[]; found: string }> = [
  {
    scenario: 'flapping-partition',
    seeds: [17, 25, 33, 57, 77, 93],
    found:
      'an Automerge sync message lost on the network left the sync state sure the peer had it; ' +
      'the restarted conversation stayed silent and "notes" never converged',
  },
]

describe('regression seeds', () => {
  for (const { scenario, seeds, found } of regressions) {
    it.each(seeds)(`${scenario} seed %i (${found})`, async (seed) => {
      const verdict = await runAgentScenario({ scenario, seed })
      expect(verdict.violations).toEqual([])
    })
  }
})
