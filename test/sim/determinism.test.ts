import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { runCounterScenario } from './counter-run.ts'

const child = join(import.meta.dirname, 'determinism-child.ts')
const run = promisify(execFile)

interface ChildLine {
  seed: number
  traceHash: string
  figures: { events: number; traceLines: number }
}

/** Runs the scenario for `seeds` in a fresh Node process (the one running vitest). */
async function inChild(scenario: string, seeds: number[]): Promise<ChildLine[]> {
  const { stdout } = await run(process.execPath, [child, scenario, ...seeds.map(String)], { timeout: 60_000 })
  return stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as ChildLine)
}

describe('determinism', () => {
  it('gives the same trace hash for the same seed in two child processes, and different hashes for different seeds', async () => {
    for (const scenario of ['crash-restart', 'swarm']) {
      const seeds = [1, 2, 3]
      const [first, second] = await Promise.all([inChild(scenario, seeds), inChild(scenario, seeds)])
      expect(first).toEqual(second)
      expect(first?.map((line) => line.seed)).toEqual(seeds)
      expect(new Set(first?.map((line) => line.traceHash)).size).toBe(seeds.length)
      expect(first?.every((line) => line.figures.events > 500)).toBe(true)
    }
  })

  it('gives the same hash in this process as in a child, and the same hash twice in a row here', async () => {
    const here = await runCounterScenario({ scenario: 'swarm', seed: 5 })
    const again = await runCounterScenario({ scenario: 'swarm', seed: 5 })
    const [there] = await inChild('swarm', [5])
    expect(again.traceHash).toBe(here.traceHash)
    expect(there?.traceHash).toBe(here.traceHash)
  })

  it('streams the trace lines the hash covers to a sink, as JSON with virtual time', async () => {
    const lines: string[] = []
    const verdict = await runCounterScenario({
      scenario: 'partition-heal',
      seed: 9,
      trace: { sink: (l) => lines.push(l) },
    })
    expect(lines.length).toBe(verdict.figures.traceLines)
    const parsed = lines.map((l) => JSON.parse(l) as { t: number; k: string })
    expect(parsed.every((r, i) => i === 0 || r.t >= (parsed[i - 1]?.t ?? 0) || r.k === 'violation')).toBe(
      true,
    )
    expect(new Set(parsed.map((r) => r.k))).toEqual(
      new Set([
        'options',
        'node',
        'phase',
        'connect',
        'disconnect',
        'send',
        'deliver',
        'drop',
        'dup',
        'timer',
        'op',
        'op-done',
        'fault',
      ]),
    )
  })
})
