/**
 * fast-check parameters for the CRDT properties. A failure prints fast-check's
 * report (seed, path, counterexample) and the one command that replays it:
 * FC_SEED and FC_PATH pin the run to that seed and shrink path.
 */
import fc from 'fast-check'

/** Runs per property unless a test asks for more. */
export const RUNS = 200

/** Parameters for `fc.assert`: `numRuns`, replay from FC_SEED/FC_PATH, and a report with the replay command. */
export function propertyOptions<T>(file: string, numRuns = RUNS): fc.Parameters<T> {
  const seed = process.env.FC_SEED
  const path = process.env.FC_PATH
  return {
    numRuns,
    ...(seed !== undefined ? { seed: Number(seed) } : {}),
    ...(path !== undefined ? { path } : {}),
    reporter(details) {
      if (!details.failed) return
      const replay = `FC_SEED=${details.seed} FC_PATH=${details.counterexamplePath ?? ''} npx vitest run ${file}`
      const cause = details.errorInstance
      const reason = cause instanceof Error ? cause.message : String(cause)
      throw new Error(`${fc.defaultReportMessage(details)}\nGot: ${reason}\nReplay: ${replay}`, { cause })
    },
  }
}
