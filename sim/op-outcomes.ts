/**
 * What became of each workload operation: acknowledged, or failed with an
 * error that is or is not explained by the faults injected. Nothing is
 * swallowed: every failure is a trace line (`op-error`) and a count, and an
 * unexplained one is a violation (`op-error`).
 *
 * Explained failures:
 *   - `StoreWriteError` on a node whose store had write failures injected;
 *   - `ReplicationTimeoutError` when the world was disturbed (a cut link, a
 *     node down or paused, a storage fault) at some point from `DISTURBED_GRACE_MS`
 *     before the write was issued until it failed;
 *   - `NodeStoppedError` on a node that is no longer running.
 */
import type { Invariant } from './checkers.ts'
import type { TraceRecord } from './trace.ts'

/** A disturbance this recent still explains a replicas timeout: links come back, detectors and pulls catch up. */
export const DISTURBED_GRACE_MS = 2_000

/** Disturbance intervals kept: a plan has at most `PLAN_STEPS_MAX` steps, each opening at most one. */
const intervalsMax = 100_000

/** What the classifier reads from a simulation. */
export interface OutcomeView {
  readonly ids: readonly string[]
  readonly nowMs: number
  status(id: string): string
  isPaused(id: string): boolean
  network: { cutLinks(): unknown[] }
}

/** Every name along an error's `cause` chain (a node may wrap the store's error). */
function namesOf(error: unknown): string[] {
  const names: string[] = []
  for (let e = error, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) names.push(e.name)
  return names
}

export class OpOutcomes {
  done = 0
  failed = 0
  unexplained = 0
  /** Failures the faults explain. */
  explained = 0
  /** Operations handed to a running node, with whether they settled. */
  readonly #issued: Array<{ node: string; issuedAtMs: number; settled: boolean }> = []
  /** Per node, when it last crashed: an operation in flight then never hears back, and that is expected. */
  readonly #lastCrashMs = new Map<string, number>()
  readonly #intervals: Array<[number, number]> = []
  #disturbedSinceMs: number | undefined
  readonly #storeFaulted = new Set<string>()

  /** An observer (never reports) that follows when the world is disturbed. */
  observer(): Invariant<OutcomeView> {
    return {
      name: 'op-outcomes',
      observe: (record, sim) => {
        this.#observe(record, sim)
        return undefined
      },
    }
  }

  #observe(r: TraceRecord, sim: OutcomeView): void {
    if (r.k === 'fault' && r.skipped === undefined) {
      if (r.fault === 'storeFault') this.#storeFaulted.add(r.args[0] as string)
      if (r.fault === 'storeFault' || r.fault === 'corrupt') this.#point(r.t)
    } else if (r.k === 'store') {
      this.#point(r.t)
    } else if (r.k !== 'node') {
      return
    } else if (r.what === 'crash') {
      this.#lastCrashMs.set(r.node, r.t)
    }
    const disturbed =
      sim.network.cutLinks().length > 0 ||
      sim.ids.some((id) => sim.status(id) !== 'running' || sim.isPaused(id))
    if (disturbed && this.#disturbedSinceMs === undefined) this.#disturbedSinceMs = r.t
    if (!disturbed && this.#disturbedSinceMs !== undefined) {
      this.#interval(this.#disturbedSinceMs, r.t)
      this.#disturbedSinceMs = undefined
    }
  }

  #point(t: number): void {
    this.#interval(t, t)
  }

  #interval(fromMs: number, toMs: number): void {
    if (this.#intervals.length < intervalsMax) this.#intervals.push([fromMs, toMs])
  }

  #disturbedWithin(fromMs: number, toMs: number): boolean {
    if (this.#disturbedSinceMs !== undefined && this.#disturbedSinceMs <= toMs) return true
    return this.#intervals.some(([a, b]) => a <= toMs && b >= fromMs - DISTURBED_GRACE_MS)
  }

  /** An operation was handed to `node`; call the returned function once it settles. */
  issued(node: string, issuedAtMs: number): () => void {
    const op = { node, issuedAtMs, settled: false }
    if (this.#issued.length < intervalsMax) this.#issued.push(op)
    return () => {
      op.settled = true
    }
  }

  /**
   * Whether a run that acknowledged nothing is explained by its faults: every
   * operation failed for an explained reason, or was in flight on a node
   * that crashed. Otherwise (writes rejected for no reason, or hanging on a
   * live node) acknowledging nothing is itself a failure.
   */
  nothingAckedExplained(): boolean {
    const silent = this.#issued.filter(
      (op) => !op.settled && (this.#lastCrashMs.get(op.node) ?? -1) < op.issuedAtMs,
    ).length
    return silent === 0 && this.explained === this.failed
  }

  /** Whether the faults injected explain `error` from an operation on `node` issued at `issuedAtMs`. */
  explains(error: unknown, node: string, issuedAtMs: number, sim: OutcomeView): boolean {
    const names = namesOf(error)
    if (names.includes('StoreWriteError')) return this.#storeFaulted.has(node)
    if (names.includes('ReplicationTimeoutError')) return this.#disturbedWithin(issuedAtMs, sim.nowMs)
    if (names.includes('NodeStoppedError')) return sim.status(node) !== 'running'
    return false
  }
}
