/**
 * A seeded resilience scenario: a composed policy around a dependency whose
 * failures and latencies come from the same seed, 60 calls spread over
 * virtual time. Returns every event (name, virtual time, delay or state) in
 * order: the same seed must give the same list in any process.
 */
import { seededRandom } from '../../src/env/index.ts'
import { type PolicyEvents, policy } from '../../src/resilience/index.ts'
import { manualClock } from './manual-clock.ts'

export interface ScenarioLine {
  name: string
  atMs: number
  detail: string
}

export async function resilienceScenario(seed: number): Promise<ScenarioLine[]> {
  const clock = manualClock()
  const root = seededRandom(seed)
  const world = root.fork('dependency')
  const p = policy({ clock, random: root.fork('policy') })
    .timeout({ ms: 80 })
    .retry({ maxAttempts: 4, baseMs: 20, maxMs: 400, jitter: 'decorrelated' })
    .breaker({ failureRate: 0.5, windowSize: 6, minimumCalls: 4, resetMs: 300, resetMaxMs: 1_200 })
    .bulkhead({ maxConcurrent: 3, maxQueue: 2 })
    .fallback(() => 'fallback')
  const lines: ScenarioLine[] = []
  const names: Array<keyof PolicyEvents> = [
    'retry',
    'break',
    'halfOpen',
    'reset',
    'timeout',
    'reject',
    'fallback',
  ]
  for (const name of names)
    p.on(name, (event: object) => {
      const e = event as { delayMs?: number; state?: string; by?: string; index?: number }
      lines.push({ name, atMs: clock.now(), detail: String(e.delayMs ?? e.state ?? e.by ?? e.index ?? '') })
    })
  const calls: Promise<unknown>[] = []
  for (let i = 0; i < 60; i++) {
    clock.setTimer(i * 25 + world.next() * 20, () => {
      calls.push(
        p.execute(
          () =>
            new Promise((resolve, reject) => {
              const latencyMs = world.next() * 120
              const fails = world.next() < 0.45
              clock.setTimer(latencyMs, () => (fails ? reject(new Error('503')) : resolve('ok')))
            }),
        ),
      )
    })
  }
  while (await clock.next()) {}
  await Promise.all(calls)
  return lines
}
