/**
 * `isthmus sim`: resolve the scenario, run one seed here or many on worker
 * threads, print a summary or JSON lines, write the trace and the report,
 * and answer with the exit status (0 every invariant held, 1 a violation).
 */
import { resolve } from 'node:path'
import { writeReport } from '../sim/report/index.ts'
import { ReportBuilder } from '../sim/report/report-model.ts'
import type { CliIo } from './io.ts'
import { LineFile } from './line-file.ts'
import { Progress, SeedProgress } from './progress.ts'
import { runSeed, type SeedVerdict, thrownVerdict } from './run-seed.ts'
import { type RunSpec, resolveRunSpec } from './run-spec.ts'
import { runSeedPool } from './seed-pool.ts'
import { parseSimArgs, SIM_USAGE, type SimArgs } from './sim-args.ts'
import { poolSummary, seedSummary } from './summary.ts'
import { EXIT_CODES, UsageError } from './usage-error.ts'

/** A seed's `--json` line. */
export function verdictJson(v: SeedVerdict): string {
  const { ok, seed, traceHash, violations, figures, swarm } = v
  return JSON.stringify(
    swarm === undefined
      ? { ok, seed, traceHash, violations, figures }
      : { ok, seed, traceHash, violations, figures, swarm },
  )
}

/** Opens the outputs before anything runs, so a bad path fails in a moment, not after the run. */
interface Outputs {
  trace: LineFile | undefined
  report: string | undefined
}

function openOutputs(args: SimArgs): Outputs {
  for (const [option, path] of [
    ['--trace', args.trace],
    ['--report', args.report],
  ] as const) {
    if (path === '') throw new UsageError(`${option} needs a file name`)
  }
  const report = args.report === undefined ? undefined : resolve(args.report)
  if (report !== undefined) new LineFile(report, '--report').close()
  return {
    trace: args.trace === undefined ? undefined : new LineFile(resolve(args.trace), '--trace'),
    report,
  }
}

/** Runs `seed` with the trace file and report builder listening; writes the report. */
export async function runObserved(spec: RunSpec, seed: number, outputs: Outputs): Promise<SeedVerdict> {
  const builder = outputs.report === undefined ? undefined : new ReportBuilder()
  const trace = outputs.trace
  const sink =
    trace === undefined && builder === undefined
      ? undefined
      : (line: string) => {
          trace?.write(line)
          builder?.line(line)
        }
  let verdict: SeedVerdict
  try {
    verdict = await runSeed(spec, seed, sink === undefined ? {} : { sink })
  } catch (error) {
    verdict = thrownVerdict(seed, error)
  } finally {
    trace?.close()
  }
  if (builder !== undefined && outputs.report !== undefined) writeReport(builder.finish(), outputs.report)
  return verdict
}

function outputLines(outputs: Outputs, seed: number): string[] {
  const lines: string[] = []
  if (outputs.trace !== undefined) lines.push(`trace: ${outputs.trace.path} (seed ${seed})`)
  if (outputs.report !== undefined) lines.push(`report: ${outputs.report} (seed ${seed})`)
  return lines
}

async function runOne(
  spec: RunSpec,
  seed: number,
  args: SimArgs,
  outputs: Outputs,
  io: CliIo,
): Promise<number> {
  // A long single seed (sim --nodes 200) shows it is still running (issue 8).
  const progress = new SeedProgress(io.stderr, `isthmus sim ${spec.name}: seed ${seed}`)
  const verdict = await runObserved(spec, seed, outputs).finally(() => progress.finish())
  if (args.json) io.stdout.write(`${verdictJson(verdict)}\n`)
  else io.stdout.write(`${[...seedSummary(spec, verdict), ...outputLines(outputs, seed)].join('\n')}\n`)
  return verdict.ok ? EXIT_CODES.ok : EXIT_CODES.violation
}

async function runMany(
  spec: RunSpec,
  firstSeed: number,
  args: SimArgs,
  outputs: Outputs,
  io: CliIo,
): Promise<number> {
  const seeds = Array.from({ length: args.seeds }, (_, i) => firstSeed + i)
  const progress = new Progress(seeds.length, io.stderr, `isthmus sim ${spec.name}`)
  progress.begin()
  const verdicts = new Map<number, SeedVerdict>()
  let printed = 0
  let workers = 0
  await runSeedPool({
    spec,
    seeds,
    onStart: (count) => {
      workers = count
    },
    onVerdict: (verdict) => {
      verdicts.set(verdict.seed, verdict)
      progress.seedDone(verdict.ok)
      // JSON lines come out in seed order, whichever worker finished first.
      for (
        let next = verdicts.get(firstSeed + printed);
        args.json && next !== undefined;
        next = verdicts.get(firstSeed + printed)
      ) {
        io.stdout.write(`${verdictJson(next)}\n`)
        printed++
      }
    },
  })
  progress.finish()
  const ordered = seeds.map((seed) => verdicts.get(seed) as SeedVerdict)
  const lines = poolSummary(spec, ordered, progress.elapsedMs, workers)
  const shown = ordered.find((v) => !v.ok) ?? ordered[0]
  if (shown !== undefined && (outputs.trace !== undefined || outputs.report !== undefined)) {
    await runObserved(spec, shown.seed, outputs)
    lines.push(...outputLines(outputs, shown.seed))
  }
  ;(args.json ? io.stderr : io.stdout).write(`${lines.join('\n')}\n`)
  return ordered.every((v) => v.ok) ? EXIT_CODES.ok : EXIT_CODES.violation
}

/** `isthmus sim ARGS`; resolves to the exit status. Bad input throws `UsageError`. */
export async function runSim(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseSimArgs(argv)
  if (args.help) {
    io.stdout.write(`${SIM_USAGE}\n`)
    return EXIT_CODES.ok
  }
  const spec = resolveRunSpec(args)
  const outputs = openOutputs(args)
  const firstSeed = args.seed ?? spec.fileSeed ?? 1
  return args.seeds === 1
    ? runOne(spec, firstSeed, args, outputs, io)
    : runMany(spec, firstSeed, args, outputs, io)
}
