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
  {
    scenario: 'bridge',
    seeds: [1],
    found:
      'a peer acknowledged an Automerge change that was durable but still waiting on a dependency, ' +
      'so replicas: 2 resolved while only the writer held the write',
  },
  {
    scenario: 'swizzle',
    seeds: [2],
    found: 'replicas: 2 resolved on an acknowledgement of a change still waiting on its dependencies',
  },
  {
    scenario: 'crash-restart',
    seeds: [82],
    found:
      'a node restarted with changes waiting on a dependency dropped its own durable dot from its claims ' +
      'for good, so every node waited forever on a gap only it could fill',
  },
  {
    scenario: 'storage-faults',
    seeds: [1065, 1988],
    found:
      "a power loss tore a node's last, unacknowledged write; it never issued that dot again (rightly) " +
      'but nobody ever filled it, so every node waited forever on the gap under its later dots ' +
      '(found by the 10,000-seed run)',
  },
  {
    scenario: 'task-storage-faults',
    seeds: [171],
    found:
      "rot took a document's only record (its snapshot): the store called it absent, high-water mark and all, " +
      'so the restarted node issued its dots again from 1; peers holding the old ones counted as holders ' +
      'of the new, and a replicas: 2 write resolved with one copy (found by the 2,400-seed task run)',
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
