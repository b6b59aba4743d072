/**
 * Run by determinism.test.ts in a child process: runs one counter scenario
 * and prints its verdict's seed, hash and figures as one JSON line.
 *
 *   node test/sim/determinism-child.ts <scenario> <seed> [<seed> ...]
 */
import { runCounterScenario } from './counter-run.ts'

const [scenario = 'partition-heal', ...seeds] = process.argv.slice(2)
for (const seed of seeds) {
  const verdict = await runCounterScenario({ scenario, seed: Number(seed) })
  process.stdout.write(
    `${JSON.stringify({ seed: verdict.seed, traceHash: verdict.traceHash, figures: verdict.figures })}\n`,
  )
}
