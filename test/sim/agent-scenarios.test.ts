import { describe, expect, it } from 'vitest'
import { runAgentScenario } from './agent-run.ts'

/** Seeds per scenario; ISTHMUS_SEEDS raises it for longer runs. */
const seeds = Number(process.env.ISTHMUS_SEEDS ?? 100)
const scenarios = [
  'partition-heal',
  'flapping-partition',
  'crash-restart',
  'majorities-ring',
  'bridge',
  'one-way',
  'swizzle',
  'clock-skew',
]

describe('real nodes under the named fault plans', () => {
  for (const scenario of scenarios) {
    it(`${scenario}: documents converge, no acknowledged write is lost, vectors agree (${seeds} seeds)`, async () => {
      const failures: string[] = []
      for (let seed = 1; seed <= seeds; seed++) {
        const verdict = await runAgentScenario({ scenario, seed })
        if (!verdict.ok) {
          failures.push(
            `seed ${seed}: ${verdict.violations.map((v) => `${v.invariant}: ${v.detail}`).join('; ')}`,
          )
          if (failures.length >= 3) break
        }
      }
      expect(failures).toEqual([])
    })
  }
})
