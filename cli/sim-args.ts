/**
 * `isthmus sim`'s command line: its options, its usage text, and their
 * validation (each bad value is a one-line `UsageError` naming the option).
 */
import { NODES_MAX } from '../sim/node-ids.ts'
import { namedScenarios } from '../sim/scenarios/index.ts'
import { integerOption, parseStrict } from './parse-options.ts'
import { UsageError } from './usage-error.ts'

export interface SimArgs {
  scenario: string | undefined
  plan: string | undefined
  seed: number | undefined
  seeds: number
  nodes: number | undefined
  durationMs: number | undefined
  trace: string | undefined
  report: string | undefined
  json: boolean
  help: boolean
}

/** Seeds are int32 (the seeded generator folds them to 32 bits): above this, two seeds would be one. */
export const SEED_MAX = 2 ** 31 - 1
/** Seeds in one invocation: a day of work for two cores at ~300 seeds a minute. */
export const SEEDS_MAX = 1_000_000
/** The longest safety phase: one virtual day. */
export const DURATION_MS_MAX = 86_400_000
/** Nodes when neither --nodes nor the scenario file says. */
export const NODES_DEFAULT = 5

const scenarioList = namedScenarios.map((s) => `  ${s.name.padEnd(20)}${s.summary}`).join('\n')

export const SIM_USAGE = `usage: isthmus sim [options]

Runs isthmus nodes in the deterministic simulator: a safety phase with the
scenario's faults and a write workload, then a liveness phase (heal every
link, restart every crashed node) in which every invariant must come to hold.
Exit status: 0 every invariant held, 1 a violation, 2 a bad argument or scenario.

  --scenario NAME|FILE  a named scenario (below) or a JSON scenario file (default partition-heal)
  --plan FILE           a JSON fault plan (an array of steps) for the scenario, or a whole scenario
                        file, as a failing property test writes it for replay
  --seed S              the seed, 0 to ${SEED_MAX} (default: the scenario file's, else 1)
  --seeds N             run N seeds, S to S+N-1, on worker threads, one per core (default 1)
  --nodes N             nodes n1..nN, 1 to ${NODES_MAX} (default ${NODES_DEFAULT}, or the scenario file's)
  --duration MS         the safety phase in virtual ms (default: the scenario's; plans stretch with it)
  --trace FILE          write the trace as JSON lines (with --seeds: the first failing seed, else the first)
  --report FILE         write an HTML report of the run (with --seeds: as --trace)
  --json                one JSON line per seed on stdout: { ok, seed, traceHash, violations, figures }
  -h, --help            show this text

scenarios:
${scenarioList}`

const options = {
  scenario: { type: 'string' },
  plan: { type: 'string' },
  seed: { type: 'string' },
  seeds: { type: 'string' },
  nodes: { type: 'string' },
  duration: { type: 'string' },
  trace: { type: 'string' },
  report: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const

function text(value: string | boolean | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined
}

/** Parses and checks `isthmus sim`'s arguments. */
export function parseSimArgs(argv: readonly string[]): SimArgs {
  const { values: v } = parseStrict('sim', argv, options)
  const seed = integerOption('seed', v.seed, 0, SEED_MAX, `an integer from 0 to ${SEED_MAX}`)
  const seeds = integerOption('seeds', v.seeds, 1, SEEDS_MAX, 'a positive integer') ?? 1
  if ((seed ?? 1) + seeds - 1 > SEED_MAX) {
    throw new UsageError(`--seed ${seed} with --seeds ${seeds} runs past the last seed, ${SEED_MAX}`)
  }
  return {
    scenario: text(v.scenario),
    plan: text(v.plan),
    seed,
    seeds,
    nodes: integerOption('nodes', v.nodes, 1, NODES_MAX, `an integer from 1 to ${NODES_MAX}`),
    durationMs: integerOption(
      'duration',
      v.duration,
      1,
      DURATION_MS_MAX,
      `a positive integer of virtual ms, at most ${DURATION_MS_MAX}`,
    ),
    trace: text(v.trace),
    report: text(v.report),
    json: v.json === true,
    help: v.help === true,
  }
}
