/**
 * What `isthmus sim` prints for people: a short account of one seed, or the
 * tally of many with the first failing seed and its replay command.
 */

import type { Violation } from '../sim/checkers.ts'
import { faultLabel } from '../sim/report/charts.ts'
import { convergedAtMs } from '../sim/report/convergence.ts'
import type { SeedVerdict } from './run-seed.ts'
import type { RunSpec } from './run-spec.ts'
import { replayCommandOf } from './run-spec.ts'

/** Violations printed per seed: the first ones explain a failure. */
const violationsShownMax = 5
/** A violation's detail on a terminal line: a whole document's JSON would bury the rest. */
const detailCharsMax = 240

function idsLabel(ids: readonly string[]): string {
  return ids.length <= 6 ? ids.join(' ') : `${ids[0]}..${ids.at(-1)}`
}

function faultsLine(spec: RunSpec): string {
  if (spec.swarm) return 'faults: drawn from the seed (swarm)'
  if (spec.plan.length === 0) return 'faults: none'
  const steps = spec.plan.map((s) => `${s.atMs} ms ${faultLabel(s)}`)
  return `faults: ${steps.slice(0, 8).join('; ')}${steps.length > 8 ? `; … (${steps.length} steps)` : ''}`
}

export function violationLines(violations: readonly Violation[]): string[] {
  const clip = (detail: string) =>
    detail.length > detailCharsMax ? `${detail.slice(0, detailCharsMax)}…` : detail
  const lines = violations
    .slice(0, violationsShownMax)
    .map((v) => `  ${v.invariant} at ${v.atMs} ms: ${clip(v.detail)}`)
  if (violations.length > violationsShownMax)
    lines.push(`  … and ${violations.length - violationsShownMax} more`)
  return lines
}

/** The account of one seed. */
export function seedSummary(spec: RunSpec, verdict: SeedVerdict): string[] {
  const f = verdict.figures
  const lines = [
    `scenario: ${spec.name}, seed ${verdict.seed}, ${spec.ids.length} nodes (${idsLabel(spec.ids)})`,
    faultsLine(spec),
  ]
  if (verdict.swarm !== undefined) lines.push(`swarm draw: ${JSON.stringify(verdict.swarm)}`)
  lines.push(
    `run: ${f.safetyMs} ms safety + ${f.livenessMs} ms liveness (virtual); ${f.events} events, ${f.sends} frames sent, ${f.drops} dropped; ${f.writesAcked} writes acknowledged`,
    convergedAtMs(f) === undefined
      ? 'converged: no, not within the liveness bound'
      : `converged: yes, at ${convergedAtMs(f)} ms (${f.livenessMs} ms after every fault was undone)`,
    verdict.ok ? 'invariants: every one held' : `invariants: ${verdict.violations.length} violated`,
    ...violationLines(verdict.violations),
    `trace hash: ${verdict.traceHash}`,
    `replay: ${replayCommandOf(spec, verdict.seed)}`,
  )
  return lines
}

/** The tally of a many-seed run. */
export function poolSummary(
  spec: RunSpec,
  verdicts: readonly SeedVerdict[],
  wallMs: number,
  workers: number,
): string[] {
  const failed = verdicts.filter((v) => !v.ok)
  const first = verdicts[0]?.seed ?? 0
  const perMin = (verdicts.length / wallMs) * 60_000
  const lines = [
    `scenario: ${spec.name}, ${spec.ids.length} nodes, seeds ${first}..${first + verdicts.length - 1}: ` +
      `${verdicts.length - failed.length} passed, ${failed.length} failed ` +
      `(${(wallMs / 1000).toFixed(1)} s on ${workers} worker${workers === 1 ? '' : 's'}, ${Math.round(perMin)} seeds/min)`,
  ]
  const firstFailed = failed[0]
  if (firstFailed !== undefined) {
    lines.push(`first failing seed: ${firstFailed.seed}`, ...violationLines(firstFailed.violations))
    lines.push(`replay: ${replayCommandOf(spec, firstFailed.seed)}`)
    if (failed.length > 1)
      lines.push(
        `failing seeds: ${failed
          .slice(0, 20)
          .map((v) => v.seed)
          .join(' ')}${failed.length > 20 ? ' …' : ''}`,
      )
  }
  return lines
}
