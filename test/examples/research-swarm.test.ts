/**
 * The research swarm (examples/research-swarm/) both ways: in the simulator
 * (seed 42, with its HTML report: every invariant holds, the killed node's
 * tasks are taken over from checkpoints) and over real libp2p on loopback
 * (every task completes, every live node holds the same findings).
 */
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runLibp2pSwarm } from '../../examples/research-swarm/libp2p-world.ts'
import { RESEARCH_TOPICS } from '../../examples/research-swarm/research.ts'
import { runSimSwarm } from '../../examples/research-swarm/sim-world.ts'

describe('examples/research-swarm', () => {
  it('in the simulator: settles every task, takes over from checkpoints, writes its report', async () => {
    const reportPath = join(mkdtempSync(join(tmpdir(), 'isthmus-swarm-')), 'report.html')
    const lines: string[] = []
    const result = await runSimSwarm({ seed: 42, reportPath, say: (line) => lines.push(line) })
    expect(result.violations).toEqual([])
    expect(result.ok).toBe(true)
    const s = result.summary
    expect(s.completed).toBe(RESEARCH_TOPICS.length)
    expect(s.findings.map((f) => f.topic).sort()).toEqual([...RESEARCH_TOPICS].sort())
    expect(s.findingsAgree).toBe(true)
    expect(s.takeovers).toBeGreaterThan(0)
    expect(s.resumedFromCheckpoint).toBeGreaterThan(0)
    // Every duplicate (a run completed on the minority side before it knew it lost) compensated once.
    expect(s.compensations).toBe(s.duplicates)
    expect(lines.some((l) => l.includes('partition'))).toBe(true)
    expect(lines.some((l) => l.includes('killed'))).toBe(true)
    expect(existsSync(reportPath)).toBe(true)
  }, 120_000)

  it('over real libp2p on loopback: every task completes and the findings agree', async () => {
    const summary = await runLibp2pSwarm(() => undefined)
    expect(summary.completed).toBe(RESEARCH_TOPICS.length)
    expect(summary.findings).toHaveLength(RESEARCH_TOPICS.length)
    expect(summary.findingsAgree).toBe(true)
  }, 180_000)
})
