/**
 * `node:util` parseArgs (strict) with its errors turned into one-line
 * messages, and the number checks every subcommand shares.
 */
import { parseArgs } from 'node:util'
import { UsageError } from './usage-error.ts'

type OptionSpec = { type: 'string' | 'boolean'; short?: string }

/** Parses `argv` strictly; a bad option becomes a `UsageError` naming it. */
export function parseStrict<O extends Record<string, OptionSpec>>(
  command: string,
  argv: readonly string[],
  options: O,
  allowPositionals = false,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options, strict: true, allowPositionals })
    return { values: values as Record<string, string | boolean | undefined>, positionals }
  } catch (error) {
    throw new UsageError(parseErrorLine(command, error))
  }
}

function parseErrorLine(command: string, error: unknown): string {
  const code = (error as { code?: string }).code
  const message = error instanceof Error ? error.message : String(error)
  const quoted = /'([^']*)'/.exec(message)?.[1] ?? ''
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option '${quoted}' (see isthmus ${command} --help)`
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument '${quoted}' (see isthmus ${command} --help)`
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const option = quoted.split(' ')[0] ?? quoted
      if (message.includes('argument missing')) return `${option} needs a value`
      if (message.includes('ambiguous'))
        return `${option} needs a value (one starting with '-' is written ${option}=VALUE)`
      return `${option}: ${message.split('.')[0]}`
    }
    default:
      return (message.split('\n')[0] ?? message).trim()
  }
}

/** An integer option in [min, max], or undefined when absent. */
export function integerOption(
  name: string,
  raw: string | boolean | undefined,
  min: number,
  max: number,
  what: string,
): number | undefined {
  if (raw === undefined) return undefined
  const text = String(raw)
  const value = /^[0-9]+$/.test(text) ? Number(text) : Number.NaN
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`--${name} must be ${what} (got ${JSON.stringify(text)})`)
  }
  return value
}
