/**
 * The research swarm: five agent nodes research ten topics through a flaky
 * model, checkpointing as they go and writing findings into one shared
 * document, while a partition strikes and a node is killed; on healing the
 * work is settled and the merged findings printed.
 *
 *   node examples/research-swarm/main.ts                 real libp2p on loopback, LevelDB in a temp folder
 *   node examples/research-swarm/main.ts --sim [--seed N] [--report FILE]
 *                                                        the same code in the simulator, with its HTML report
 */
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { runLibp2pSwarm } from './libp2p-world.ts'
import { summaryLines } from './mission.ts'
import { runSimSwarm } from './sim-world.ts'

function usage(message: string): never {
  process.stderr.write(`research-swarm: ${message} (usage: main.ts [--sim [--seed N] [--report FILE]])\n`)
  process.exit(2)
}

let values: { sim?: boolean; seed?: string; report?: string }
try {
  ;({ values } = parseArgs({
    options: { sim: { type: 'boolean' }, seed: { type: 'string' }, report: { type: 'string' } },
    strict: true,
  }))
} catch (error) {
  usage(error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error))
}
const seed = values.seed === undefined ? 42 : Number(values.seed)
if (!Number.isSafeInteger(seed) || seed < 0)
  usage(`--seed must be a non-negative integer (got ${values.seed})`)
const say = (line: string) => console.log(line)

if (values.sim) {
  const reportPath = values.report === undefined ? undefined : resolve(values.report)
  console.log(`research swarm in the simulator (seed ${seed})`)
  const result = await runSimSwarm({ seed, say, ...(reportPath === undefined ? {} : { reportPath }) })
  console.log(['', ...summaryLines(result.summary)].join('\n'))
  console.log(
    result.ok
      ? `\nevery invariant held (${(result.virtualMs / 1000).toFixed(1)} s of virtual time)`
      : `\ninvariants violated:\n  ${result.violations.join('\n  ')}`,
  )
  if (reportPath !== undefined) console.log(`open the report: ${reportPath}`)
  process.exitCode = result.ok ? 0 : 1
} else {
  console.log('research swarm over real libp2p on loopback (five nodes, LevelDB in a temp folder)')
  const summary = await runLibp2pSwarm(say)
  console.log(['', ...summaryLines(summary)].join('\n'))
  process.exitCode = summary.findingsAgree && summary.completed === summary.tasks ? 0 : 1
}
