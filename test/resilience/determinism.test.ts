/**
 * Determinism: the same seed gives the same sequence of backoff delays and
 * breaker state changes in two separate Node processes (and in this one);
 * different seeds give different sequences.
 */
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { resilienceScenario, type ScenarioLine } from './determinism-scenario.ts'

const child = join(import.meta.dirname, 'determinism-child.ts')
const run = promisify(execFile)

async function inChild(seeds: number[]): Promise<Array<{ seed: number; lines: ScenarioLine[] }>> {
  const { stdout } = await run(process.execPath, [child, ...seeds.map(String)], { timeout: 60_000 })
  return stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { seed: number; lines: ScenarioLine[] })
}

describe('resilience determinism', () => {
  it('gives the same delays and state changes for a seed in two processes, and different ones per seed', async () => {
    const seeds = [1, 2, 3]
    const [first, second] = await Promise.all([inChild(seeds), inChild(seeds)])
    expect(first).toEqual(second)
    const here = await resilienceScenario(2)
    expect(first?.[1]?.lines).toEqual(here)
    for (const { lines } of first ?? []) {
      // The scenario exercises what it claims to: jittered retries and a breaker that opens and probes.
      const names = new Set(lines.map((l) => l.name))
      for (const name of ['retry', 'break', 'halfOpen', 'timeout', 'fallback']) expect(names).toContain(name)
    }
    const fingerprints = new Set((first ?? []).map(({ lines }) => JSON.stringify(lines)))
    expect(fingerprints.size).toBe(seeds.length)
  })
})
