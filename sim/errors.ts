/**
 * The simulator's named errors. Bad input (a malformed plan or option) is a
 * `ScenarioError` naming the field; a run that outgrows a bound is a
 * `SimulationLimitError`; `until` past its deadline is a `SimulationTimeoutError`.
 */

/** A scenario, fault plan or option is malformed. `field` is its path, e.g. `plan[2].args[0]`. */
export class ScenarioError extends Error {
  override name = 'ScenarioError'
  readonly field: string

  constructor(field: string, problem: string) {
    super(`${field}: ${problem}`)
    this.field = field
  }
}

/** A run outgrew a named bound (a runaway protocol fails loudly instead of eating memory). */
export class SimulationLimitError extends Error {
  override name = 'SimulationLimitError'
  readonly limit: string

  constructor(limit: string, detail: string) {
    super(`${limit} exceeded: ${detail}`)
    this.limit = limit
  }
}

/** `until()` ran out of virtual time, or out of events, before its promise settled. */
export class SimulationTimeoutError extends Error {
  override name = 'SimulationTimeoutError'
}

/** A property over scenarios failed; the message carries the shrunk plan and the command that replays it. */
export class ScenarioFailure extends Error {
  override name = 'ScenarioFailure'
  /** The scenario file written for replay. */
  readonly file: string

  constructor(message: string, file: string) {
    super(message)
    this.file = file
  }
}

/** An injected storage fault: the write batch failed and wrote nothing (`sim.storeFault(id, { failWrites })`). */
export class StoreWriteError extends Error {
  override name = 'StoreWriteError'
}
