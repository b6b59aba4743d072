/**
 * Run by determinism.test.ts in a child process: prints the event lines of
 * the seeded resilience scenario for each seed, one JSON line per seed.
 *
 *   node test/resilience/determinism-child.ts <seed> [<seed> ...]
 */
import { resilienceScenario } from './determinism-scenario.ts'

for (const seed of process.argv.slice(2)) {
  process.stdout.write(
    `${JSON.stringify({ seed: Number(seed), lines: await resilienceScenario(Number(seed)) })}\n`,
  )
}
