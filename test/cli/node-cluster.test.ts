/**
 * `isthmus cluster` end to end: three real node processes through a cut and
 * a heal, with the figures as JSON; exit 0 because they converged.
 */
import { spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import type { ClusterFigures } from '../../cli/cluster-script.ts'
import { cliEntry } from '../../cli/node-process.ts'

/** Three node starts and restarts (about 1.5 s each), a 1 s cut, the heal and the stops. */
const clusterRunMsMax = 50_000

function runCluster(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [cliEntry(), 'cluster', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => (stderr += chunk))
  const timer = setTimeout(() => child.kill('SIGINT'), clusterRunMsMax)
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    }),
  )
}

describe('isthmus cluster', () => {
  it('cuts a node off, heals it, and reports convergence (exit 0)', async () => {
    const run = await runCluster(['--nodes', '3', '--duration', '1000', '--writes', '4', '--json'])
    expect(run.code, run.stderr).toBe(0)
    const figures = JSON.parse(run.stdout) as ClusterFigures
    expect(figures.nodes).toHaveLength(3)
    expect(new Set(figures.nodes.map((n) => n.id)).size).toBe(3)
    expect(figures.writesBeforeCut).toBe(12)
    expect(figures.cut).toMatchObject({ victim: 'n3' })
    expect(figures.cut.writesOthers).toBeGreaterThan(0)
    expect(figures.cut.writesCutOff).toBeGreaterThan(0)
    expect(['suspect', 'dead']).toContain(figures.cut.victimSeenAs)
    expect(figures.heal.convergedMs).toBeGreaterThanOrEqual(0)
    expect(figures.heal.bytesToHealed).toBeGreaterThan(0)
    expect(figures.heal.bytesFromHealed).toBeGreaterThan(0)
    expect(figures).toMatchObject({ converged: true, missing: 0, cleanStops: true })
    expect(figures.acknowledged).toBe(2 + 12 + figures.cut.writesOthers + figures.cut.writesCutOff)
    // Progress went to stderr (plain lines: no terminal here), one per phase.
    expect(run.stderr).toContain('healing: restarting n3 with its peers')
    expect(run.stderr).not.toContain('\x1b[K')
  })
})
