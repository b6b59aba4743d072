/**
 * `npm start`: the whole mission in the deterministic simulator. Five agent
 * nodes research ten topics through a flaky model (timeouts, retries, a
 * breaker, a fallback), checkpointing and writing findings into a shared
 * document; a 2|3 partition strikes, a node running work is killed; on
 * healing the work is taken over from its checkpoints, settled, and the
 * merged findings printed. Writes isthmus-report.html: who could reach whom,
 * each node's divergence, the faults and the verdict of every invariant.
 *
 * The same code over real libp2p on loopback: node examples/research-swarm/main.ts
 */
import { resolve } from 'node:path'
import { summaryLines } from './research-swarm/mission.ts'
import { runSimSwarm } from './research-swarm/sim-world.ts'

const reportPath = resolve('isthmus-report.html')
const startedMs = performance.now()
console.log(
  'research swarm in the simulator (seed 42); over real libp2p: node examples/research-swarm/main.ts\n',
)
const result = await runSimSwarm({ seed: 42, reportPath, say: (line) => console.log(line) })
console.log(['', ...summaryLines(result.summary)].join('\n'))
const wallS = ((performance.now() - startedMs) / 1000).toFixed(1)
console.log(
  result.ok
    ? `\nevery invariant held (${(result.virtualMs / 1000).toFixed(1)} s virtual, ${wallS} s of wall time)`
    : `\ninvariants violated:\n  ${result.violations.join('\n  ')}`,
)
console.log(`open the report: ${reportPath}`)
process.exitCode = result.ok ? 0 : 1
