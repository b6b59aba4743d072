/**
 * Invariants and the registry that evaluates them. An invariant may watch
 * every trace record (`observe`, for cheap per-event rules), run after every
 * event (`everyStep`), or run when the system is quiet (`atQuiescence`:
 * convergence, nothing lost). Each returns a detail string (or several) for a
 * violation, or undefined. Layers above add their own with `sim.checkers.add`.
 */
import type { TraceRecord } from './trace.ts'

/** One broken invariant: which, what, and when (virtual ms). */
export interface Violation {
  invariant: string
  detail: string
  atMs: number
}

/** The verdict of `sim.check()`. */
export interface CheckResult {
  ok: boolean
  violations: Violation[]
}

/** A rule the simulation must keep. `S` is what it inspects (the Simulation). */
export interface Invariant<S = unknown> {
  readonly name: string
  /** Sees each trace record as it is recorded. Must be cheap: it runs for every send and delivery. */
  observe?(record: TraceRecord, sim: S): string | undefined
  /** Runs after every event that ran. */
  everyStep?(sim: S): string | undefined
  /** Runs when the system is quiet (end of the liveness phase, `sim.check()`). */
  atQuiescence?(sim: S): string | readonly string[] | undefined
  /** Called when it joins a simulation whose nodes are up already (to follow them from now on). */
  attach?(sim: S): void
}

/** Violations kept per run: the first ones explain a failure; thousands more only repeat it. */
export const VIOLATIONS_KEPT_MAX = 100

function asList(found: string | readonly string[] | undefined): readonly string[] {
  if (found === undefined) return []
  return typeof found === 'string' ? [found] : found
}

/** The invariants of one simulation, and the violations found while it ran. */
export class Checkers<S> {
  readonly #invariants: Invariant<S>[] = []
  readonly #found: Violation[] = []
  #violationsTotal = 0
  #stepCheckers: Invariant<S>[] = []
  #observers: Invariant<S>[] = []
  /** Told about each violation recorded while running (the simulation traces it). */
  onViolation: (violation: Violation) => void = () => {}

  /** Adds an invariant (a second one with the same name replaces the first). */
  add(invariant: Invariant<S>): void {
    this.remove(invariant.name)
    this.#invariants.push(invariant)
    this.#index()
  }

  remove(name: string): void {
    const i = this.#invariants.findIndex((inv) => inv.name === name)
    if (i >= 0) this.#invariants.splice(i, 1)
    this.#index()
  }

  names(): string[] {
    return this.#invariants.map((inv) => inv.name)
  }

  #index(): void {
    this.#stepCheckers = this.#invariants.filter((inv) => inv.everyStep !== undefined)
    this.#observers = this.#invariants.filter((inv) => inv.observe !== undefined)
  }

  /** Records a violation found while running (kept up to `VIOLATIONS_KEPT_MAX`). */
  report(invariant: string, detail: string, atMs: number): void {
    this.#violationsTotal++
    if (this.#found.length >= VIOLATIONS_KEPT_MAX) return
    const violation = { invariant, detail, atMs }
    this.#found.push(violation)
    this.onViolation(violation)
  }

  observe(record: TraceRecord, sim: S): void {
    if (record.k === 'violation') return
    for (const inv of this.#observers) {
      const detail = inv.observe?.(record, sim)
      if (detail !== undefined) this.report(inv.name, detail, record.t)
    }
  }

  afterStep(sim: S, atMs: number): void {
    for (const inv of this.#stepCheckers) {
      const detail = inv.everyStep?.(sim)
      if (detail !== undefined) this.report(inv.name, detail, atMs)
    }
  }

  /** Evaluates the quiescence invariants now; returns their violations without recording them. */
  atQuiescence(sim: S, atMs: number): Violation[] {
    const out: Violation[] = []
    for (const inv of this.#invariants) {
      for (const detail of asList(inv.atQuiescence?.(sim))) out.push({ invariant: inv.name, detail, atMs })
    }
    return out
  }

  /** The violations recorded while running. */
  recorded(): Violation[] {
    return [...this.#found]
  }

  /** How many were recorded, including those beyond `VIOLATIONS_KEPT_MAX`. */
  get violationsTotal(): number {
    return this.#violationsTotal
  }
}

/** What the built-in network invariants inspect. */
export interface NetworkView {
  network: { isCut(from: string, to: string): boolean; options: { reorder: boolean } }
}

/**
 * Without reordering, frames on one link arrive in the order sent: delivered
 * message numbers never go down on a link (a duplicate may repeat one).
 */
export function linkFifo(): Invariant<NetworkView> {
  /** The highest message delivered per directed link: bounded by n² links. */
  const lastDelivered = new Map<string, number>()
  return {
    name: 'link-fifo',
    observe(r, sim) {
      if (r.k !== 'deliver' || sim.network.options.reorder) return undefined
      const link = `${r.from}>${r.to}`
      const last = lastDelivered.get(link) ?? 0
      lastDelivered.set(link, Math.max(last, r.msg))
      return r.msg < last ? `${link}: message ${r.msg} delivered after ${last}` : undefined
    },
  }
}

/** No frame is delivered over a cut link. */
export function noDeliveryAcrossCut(): Invariant<NetworkView> {
  return {
    name: 'no-delivery-across-cut',
    observe(r, sim) {
      if (r.k !== 'deliver' || !sim.network.isCut(r.from, r.to)) return undefined
      return `message ${r.msg} delivered over the cut link ${r.from}>${r.to}`
    },
  }
}
