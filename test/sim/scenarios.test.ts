import { describe, expect, it } from 'vitest'
import { runCounterScenario } from './counter-run.ts'
import { namedPlans } from './scenarios.ts'

const seedsPerScenario = 100

describe('the counter protocol converges under every named scenario', () => {
  for (const scenario of [...Object.keys(namedPlans), 'swarm']) {
    it(`${scenario}: ${seedsPerScenario} seeds`, async () => {
      const failed: string[] = []
      const hashes = new Set<string>()
      let livenessMsMax = 0
      for (let seed = 1; seed <= seedsPerScenario; seed++) {
        const verdict = await runCounterScenario({ scenario, seed })
        hashes.add(verdict.traceHash)
        livenessMsMax = Math.max(livenessMsMax, verdict.figures.livenessMs)
        if (!verdict.ok) {
          failed.push(
            `npx vitest run test/sim/scenarios.test.ts, ${scenario} seed ${seed}: ${JSON.stringify(verdict.violations.slice(0, 3))}`,
          )
        }
      }
      expect(failed).toEqual([])
      // Different seeds run different schedules.
      expect(hashes.size).toBe(seedsPerScenario)
      expect(livenessMsMax).toBeLessThan(20_000)
    })
  }
})
