/**
 * A bad command line. The CLI prints its message as one line (`isthmus:
 * --seeds must be a positive integer (got "x")`) and exits with `exitCode`,
 * 2 unless it is a help text (0). Never a stack trace.
 */
export class UsageError extends Error {
  override name = 'UsageError'
  readonly exitCode: number

  constructor(message: string, exitCode = 2) {
    super(message)
    this.exitCode = exitCode
  }
}

/** The exit status of a run: every invariant held, a violation, bad input, a bug in isthmus itself. */
export const EXIT_CODES = { ok: 0, violation: 1, usage: 2, internal: 3 } as const
