/**
 * `npm start`: five isthmus nodes in the deterministic simulator, split into
 * a minority and a majority while clients keep writing on both sides, then
 * healed. Prints what happened and writes isthmus-report.html, a page with
 * who could reach whom, each node's divergence and the verdicts.
 *
 * The same run from the command line:
 *   npx isthmus sim --scenario partition-heal --seed 42 --report isthmus-report.html
 */
import { resolve } from 'node:path'
import { runCli } from '../cli/commands.ts'

const reportPath = resolve('isthmus-report.html')
const startedMs = performance.now()
const status = await runCli(['sim', '--scenario', 'partition-heal', '--seed', '42', '--report', reportPath], {
  stdout: process.stdout,
  stderr: process.stderr,
})
const wallS = ((performance.now() - startedMs) / 1000).toFixed(1)
console.log(
  `\n${status === 0 ? 'every invariant held' : 'invariants were violated'} (${wallS} s of wall time)`,
)
console.log(`open the report: ${reportPath}`)
process.exitCode = status
