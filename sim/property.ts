/**
 * Property tests over scenarios. `checkScenarios` runs fast-check over
 * generated inputs; on a failure it lets fast-check shrink the input, writes
 * the shrunk scenario to a temp JSON file and throws a `ScenarioFailure`
 * whose message shows the violations, the plan and the one command that
 * replays it:
 *
 *   replay: npx isthmus sim --seed 17 --plan /tmp/isthmus-replay-Xy12/scenario.json
 */
import fc from 'fast-check'
import { ScenarioFailure } from './errors.ts'
import type { FaultStep } from './fault-plan.ts'
import type { Verdict } from './scenario.ts'
import {
  replayCommand,
  SCENARIO_FILE_VERSION,
  type ScenarioFile,
  writeScenarioFile,
} from './scenario-file.ts'
import type { WorkloadOp } from './workload.ts'

/** What a scenario property draws: a seed, a fault plan and a workload. */
export interface ScenarioInput {
  seed: number
  plan: FaultStep[]
  workload: WorkloadOp[]
}

export interface CheckScenariosOptions {
  /** Runs. Default 100. */
  numRuns?: number
  /** fast-check's own seed, to replay a whole property run. Default: fast-check draws one (and prints it). */
  seed?: number
  /**
   * Fields written into the replay file besides seed, plan and workload, for
   * a run that threw (a verdict's own `replay` carries every option it used
   * and takes precedence).
   */
  scenario?: Omit<ScenarioFile, 'version' | 'seed' | 'plan' | 'workload'>
  /** Folder for the replay file. Default: a fresh temp folder. */
  replayDir?: string
}

/** The shrunk input's failure, as one message. */
function describeFailure(
  input: ScenarioInput,
  verdict: Verdict | undefined,
  error: unknown,
  command: string,
): string {
  const lines = [`scenario failed (seed ${input.seed})`]
  if (verdict !== undefined) {
    for (const v of verdict.violations.slice(0, 10))
      lines.push(`  ${v.invariant} at ${v.atMs} ms: ${v.detail}`)
    lines.push(`  trace hash ${verdict.traceHash}`)
  } else {
    lines.push(`  threw: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
  }
  lines.push(`plan: ${JSON.stringify(input.plan)}`)
  if (input.workload.length > 0) lines.push(`workload: ${JSON.stringify(input.workload)}`)
  lines.push(`replay: ${command}`)
  return lines.join('\n')
}

/**
 * Checks that `run` returns an ok verdict for every input `inputs` draws.
 * Throws `ScenarioFailure` (shrunk, with a replay command) if not.
 */
export async function checkScenarios(
  inputs: fc.Arbitrary<ScenarioInput>,
  run: (input: ScenarioInput) => Promise<Verdict>,
  options: CheckScenariosOptions = {},
): Promise<void> {
  const property = fc.asyncProperty(inputs, async (input) => (await run(input)).ok)
  const params: fc.Parameters<[ScenarioInput]> = { numRuns: options.numRuns ?? 100 }
  if (options.seed !== undefined) params.seed = options.seed
  const details = await fc.check(property, params)
  if (!details.failed || details.counterexample === null) return
  const [input] = details.counterexample
  let verdict: Verdict | undefined
  let error: unknown = details.errorInstance
  try {
    verdict = await run(input)
  } catch (thrown) {
    error = thrown
  }
  // The verdict carries every option the run used (network, store, node options, swarm): replay those.
  const file = writeScenarioFile(
    {
      version: SCENARIO_FILE_VERSION,
      ...options.scenario,
      ...verdict?.replay,
      seed: input.seed,
      plan: input.plan,
      workload: input.workload,
    },
    options.replayDir,
  )
  const message = describeFailure(input, verdict, error, replayCommand(input.seed, file))
  const where = `fast-check seed ${details.seed}, path "${details.counterexamplePath}", ${details.numShrinks} shrinks`
  throw new ScenarioFailure(`${message}\n(${where})`, file)
}
