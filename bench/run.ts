/**
 * The benchmark harness (BENCHMARKS.md).
 *
 *   npm run bench                      all benchmarks, full size
 *   npm run bench -- durable-writes    one, by name or by number (`1`)
 *   npm run bench -- 1 5 --quick       a small size of each (all: under two minutes)
 *   npm run bench -- --markdown        also print the table as markdown
 *
 * Prints the machine, then a table, then one JSON line per result; writes
 * bench/out/results.json, and the markdown tables bench/out/results.md (full
 * runs) and results-quick.md (--quick). Benchmarks never assert.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { availableParallelism, cpus, totalmem } from 'node:os'
import { fileURLToPath } from 'node:url'
import { durableWrites } from './01-durable-writes/durable-writes.ts'
import { healConvergence } from './02-heal-convergence/heal-convergence.ts'
import { failureDetection } from './03-failure-detection/failure-detection.ts'
import { workTakeover } from './04-work-takeover/work-takeover.ts'
import { restartRecovery } from './05-restart-recovery/restart-recovery.ts'
import { simSpeed } from './06-sim-speed/sim-speed.ts'
import { libp2pReplication } from './07-libp2p-replication/libp2p-replication.ts'
import { firstSync } from './08-first-sync/first-sync.ts'
import { healTail } from './09-heal-tail/heal-tail.ts'
import { resilienceOverhead } from './10-resilience-overhead/resilience-overhead.ts'
import { hostileFrames } from './11-hostile-frames/hostile-frames.ts'
import {
  type Benchmark,
  type BenchResult,
  formatJsonLine,
  formatMarkdown,
  formatTable,
} from './harness/result.ts'

/**
 * Every benchmark, in BENCHMARKS.md order (#11, hostile frames, is ours beyond
 * that list). Each lives in its own folder, `bench/NN-name/`; what several
 * share (results, timing, traces, node setup) is in `bench/harness/`. To add
 * one: give it a folder, import it and list it here.
 */
const benchmarks: readonly Benchmark[] = [
  durableWrites,
  healConvergence,
  failureDetection,
  workTakeover,
  restartRecovery,
  simSpeed,
  libp2pReplication,
  firstSync,
  healTail,
  resilienceOverhead,
  hostileFrames,
]

const usage = 'usage: npm run bench -- [NAME|NUMBER ...] [--quick] [--markdown]'

interface Cli {
  selected: Benchmark[]
  quick: boolean
  markdown: boolean
}

/** A bad command line: one line on stderr, then exit with `exitCode` (2; 0 for --help). */
class UsageError extends Error {
  override name = 'UsageError'
  readonly exitCode: number

  constructor(message: string, exitCode = 2) {
    super(message)
    this.exitCode = exitCode
  }
}

function findBenchmark(arg: string): Benchmark {
  const found = benchmarks.find((b) => b.name === arg || String(b.id) === arg)
  if (found === undefined) {
    const known = benchmarks.map((b) => `${b.id} ${b.name}`).join(', ')
    throw new UsageError(`unknown benchmark '${arg}' (known: ${known})`)
  }
  return found
}

function parseCli(args: readonly string[]): Cli {
  const cli: Cli = { selected: [], quick: false, markdown: false }
  for (const arg of args) {
    if (arg === '--help' || arg === '-h') throw new UsageError(usage, 0)
    else if (arg === '--quick') cli.quick = true
    else if (arg === '--markdown') cli.markdown = true
    else if (arg.startsWith('-')) throw new UsageError(`unknown option '${arg}' (known: --quick, --markdown)`)
    else if (!cli.selected.some((b) => b === findBenchmark(arg))) cli.selected.push(findBenchmark(arg))
  }
  if (cli.selected.length === 0) cli.selected = [...benchmarks]
  return cli
}

function machine() {
  return {
    cores: availableParallelism(),
    cpu: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
  }
}

const outDirUrl = new URL('./out/', import.meta.url)

interface StoredRun {
  quick: boolean
  results: BenchResult[]
}

/**
 * Replaces the stored results of the benchmarks that ran (full and --quick
 * kept apart) and keeps the others from earlier runs; then writes the
 * markdown tables: results.md from full runs, results-quick.md from quick ones.
 */
function writeResults(info: { quick: boolean }, ran: readonly Benchmark[], results: BenchResult[]): void {
  const outDir = fileURLToPath(outDirUrl)
  mkdirSync(outDir, { recursive: true })
  const jsonPath = `${outDir}results.json`
  let runs: Record<string, StoredRun> = {}
  try {
    runs = (JSON.parse(readFileSync(jsonPath, 'utf8')) as { runs?: Record<string, StoredRun> }).runs ?? {}
  } catch {
    runs = {}
  }
  for (const bench of ran) {
    const key = `${bench.name} ${info.quick ? 'quick' : 'full'}`
    runs[key] = { ...info, results: results.filter((r) => r.bench === bench.name) }
  }
  writeFileSync(jsonPath, `${JSON.stringify({ runs }, null, 2)}\n`)
  for (const quick of [false, true]) {
    const rows = Object.values(runs).flatMap((run) => (run.quick === quick ? run.results : []))
    if (rows.length > 0)
      writeFileSync(`${outDir}results${quick ? '-quick' : ''}.md`, `${formatMarkdown(rows)}\n`)
  }
}

async function main(): Promise<void> {
  const cli = parseCli(process.argv.slice(2))
  const host = machine()
  const info = { ...host, quick: cli.quick, at: new Date().toISOString() }
  console.log(
    `machine: ${host.cores} cores, ${host.cpu}, ${host.memoryGiB} GiB; node ${host.node} ${host.platform}; ` +
      `${cli.quick ? 'quick' : 'full'} run (shared machine: figures are noisy, compare the ratios)`,
  )
  const log = (line: string): void => void process.stderr.write(`  … ${line}\n`)
  const results: BenchResult[] = []
  for (const bench of cli.selected) {
    const startedMs = performance.now()
    log(`#${bench.id} ${bench.name}`)
    results.push(...(await bench.run({ quick: cli.quick, log })))
    log(`#${bench.id} ${bench.name} done in ${((performance.now() - startedMs) / 1000).toFixed(1)} s`)
  }
  console.log(`\n${formatTable(results)}\n`)
  for (const result of results) console.log(formatJsonLine(result))
  if (cli.markdown) console.log(`\n${formatMarkdown(results)}`)
  writeResults(info, cli.selected, results)
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) {
    console.error(error.exitCode === 0 ? error.message : `bench: ${error.message}`)
    process.exit(error.exitCode)
  }
  console.error(error)
  process.exit(1)
})
