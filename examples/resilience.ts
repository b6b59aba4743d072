/**
 * The README's resilience example, run as written (under the simulator's
 * virtual clock) by test/examples/resilience.test.ts: a slow model API that
 * is overloaded on two calls in three, wrapped in a policy. The same policy
 * on a production node's `node.env` runs on the real clock.
 */
// biome-ignore-all assist/source/organizeImports: the order the README shows
import { policy, sleep } from 'isthmus/resilience'
import { Simulation } from 'isthmus/sim'

const sim = await Simulation.create({ seed: 42, nodes: 1 })
const node = sim.node('n1')

// A stand-in for an LLM API: 1.5 s per answer, "overloaded" on two calls in three.
let calls = 0
async function askModel(prompt: string, signal: AbortSignal): Promise<string> {
  await sleep(node.env.clock, 1_500, signal)
  if (++calls % 3 !== 0) throw new Error('503 model overloaded')
  return `summary of ${prompt}`
}

const ask = policy(node.env)
  .timeout({ ms: 10_000 })
  .retry({ maxAttempts: 4, baseMs: 200, maxMs: 5_000, jitter: 'full' })
  .breaker({ failureThreshold: 5, resetMs: 30_000 })
  .bulkhead({ maxConcurrent: 4, maxQueue: 32 })
  .fallback(async () => 'cached summary')
ask.on('retry', ({ attempt, delayMs }) =>
  console.log(`attempt ${attempt} failed; retry in ${Math.round(delayMs)} ms`),
)

const answer = await sim.until(ask.execute((signal) => askModel('the plan', signal)))
console.log(answer) // summary of the plan (third attempt)
await sim.stop()
