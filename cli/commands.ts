/**
 * The subcommands and their dispatch. Every command resolves to an exit
 * status; bad input (`UsageError`, a `ScenarioError` that got this far) is
 * one line on stderr and status 2, never a stack trace. Anything else is a
 * bug in isthmus: its stack is printed and the status is 3.
 */
import { ScenarioError } from '../sim/errors.ts'
import { runCluster } from './cluster-command.ts'
import type { CliIo } from './io.ts'
import { runNode } from './node-command.ts'
import { runReport } from './report-command.ts'
import { runSim } from './sim-command.ts'
import { EXIT_CODES, UsageError } from './usage-error.ts'

interface Command {
  summary: string
  run(argv: readonly string[], io: CliIo): Promise<number>
}

/** A command someone else is building: says so, exits 2. */
function notBuilt(name: string, summary: string): Command {
  return {
    summary: `${summary} (not built yet)`,
    run: async (_argv, io) => {
      io.stderr.write(`isthmus ${name}: not built yet\n`)
      return EXIT_CODES.usage
    },
  }
}

const commands: Record<string, Command> = {
  sim: { summary: 'run a scenario in the deterministic simulator and check its invariants', run: runSim },
  report: { summary: 'render a trace file from sim --trace as an HTML report', run: runReport },
  node: { summary: 'run one real node (--listen, --peer, --data, --metrics-port)', run: runNode },
  cluster: { summary: 'run N real nodes on loopback through a cut and a heal', run: runCluster },
  bench: notBuilt('bench', 'run the benchmarks (for now: npm run bench)'),
}

export const USAGE = `usage: isthmus <command> [options]

commands:
${Object.entries(commands)
  .map(([name, c]) => `  ${name.padEnd(9)}${c.summary}`)
  .join('\n')}

isthmus <command> --help shows a command's options.`

/** Runs the command line `argv` (without node and the script); resolves to the exit status. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    ;(name === undefined ? io.stderr : io.stdout).write(`${USAGE}\n`)
    return name === undefined ? EXIT_CODES.usage : EXIT_CODES.ok
  }
  const command = commands[name]
  try {
    if (command === undefined)
      throw new UsageError(`unknown command '${name}' (known: ${Object.keys(commands).join(', ')})`)
    return await command.run(rest, io)
  } catch (error) {
    if (error instanceof UsageError || error instanceof ScenarioError) {
      io.stderr.write(`isthmus: ${error.message}\n`)
      return error instanceof UsageError ? error.exitCode : EXIT_CODES.usage
    }
    io.stderr.write(
      `isthmus: internal error (a bug in isthmus): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    )
    return EXIT_CODES.internal
  }
}
