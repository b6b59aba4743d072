import { describe, expect, it } from 'vitest'
import { parseFaultPlan } from '../../sim/index.ts'
import { drawSwarm, SWARM_RATE_PER_MIN_MAX, swarmPlan } from '../../sim/swarm.ts'
import { seededRandom } from '../../src/env/seeded-random.ts'
import { runCounterScenario } from './counter-run.ts'

const ids = ['n1', 'n2', 'n3', 'n4', 'n5']

describe('swarm options', () => {
  it('draws network options and fault rates from the seed, switching families on and off', () => {
    const draws = Array.from({ length: 200 }, (_, seed) => drawSwarm(seededRandom(seed).fork('swarm')))
    expect(drawSwarm(seededRandom(3).fork('swarm'))).toEqual(draws[3])
    for (const family of [
      'partitionsPerMin',
      'crashesPerMin',
      'pausesPerMin',
      'clockFaultsPerMin',
    ] as const) {
      const rates = draws.map((d) => d.rates[family])
      expect(rates.filter((r) => r === 0).length).toBeGreaterThan(60)
      expect(rates.filter((r) => r > 0).length).toBeGreaterThan(60)
      expect(Math.max(...rates)).toBeLessThanOrEqual(SWARM_RATE_PER_MIN_MAX)
    }
    expect(new Set(draws.map((d) => d.network.reorder))).toEqual(new Set([true, false]))
    expect(draws.some((d) => (d.network.loss ?? 0) > 0)).toBe(true)
  })

  it('makes valid plans that undo every fault, at about the drawn rate', () => {
    const rates = {
      partitionsPerMin: 6,
      crashesPerMin: 6,
      pausesPerMin: 0,
      clockFaultsPerMin: 3,
      storeFaultsPerMin: 2,
      powerLossesPerMin: 0,
      rotsPerMin: 1,
    }
    for (let seed = 0; seed < 50; seed++) {
      const plan = swarmPlan(ids, 60_000, rates, seededRandom(seed))
      expect(parseFaultPlan(plan, ids)).toEqual(plan)
      const count = (fault: string) => plan.filter((s) => s.fault === fault).length
      expect(count('crash')).toBe(count('restart'))
      // Process crashes (6 a minute) plus one crash around each rot (1 a minute).
      expect(count('crash')).toBeGreaterThanOrEqual(6)
      expect(count('crash')).toBeLessThanOrEqual(9)
      expect(count('corrupt')).toBeLessThanOrEqual(2)
      expect(count('storeFault')).toBeGreaterThanOrEqual(1)
      expect(count('storeFault')).toBeLessThanOrEqual(3)
      expect(count('pause')).toBe(0)
    }
  })

  it('logs what the seed drew, in the verdict and in the trace', async () => {
    const lines: string[] = []
    const verdict = await runCounterScenario({
      scenario: 'swarm',
      seed: 12,
      trace: { sink: (l) => lines.push(l) },
    })
    expect(verdict.swarm).toEqual(drawSwarm(seededRandom(12).fork('swarm')))
    const options = lines
      .map(
        (l) =>
          JSON.parse(l) as { k: string; seed?: number; options?: { network?: unknown; swarm?: unknown } },
      )
      .filter((r) => r.k === 'options')
    // The first line logs the seed with the network as resolved (the drawn options applied), the second the draw.
    expect(options[0]?.options?.network).toMatchObject({ loss: verdict.swarm?.network.loss })
    expect(options[1]).toEqual({ t: 0, k: 'options', seed: 12, options: { swarm: verdict.swarm } })
  })
})
