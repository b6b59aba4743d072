/**
 * One seed of a run spec through runScenario, with the CLI's protocol. With
 * a sink it also writes what a report needs next to the trace lines: a
 * scenario line first, divergence samples as the run goes, a verdict line
 * last. Those annotations bypass the trace, so the hash is the same with or
 * without them.
 */
import type { ScenarioRecord, VerdictRecord } from '../sim/report/records.ts'
import { divergenceSampler } from '../sim/report/sampler.ts'
import { runScenario, type Verdict } from '../sim/scenario.ts'
import { SCENARIO_FILE_VERSION } from '../sim/scenario-file.ts'
import { mergeWorkloads, tasksFromSeed } from '../sim/task-workload.ts'
import type { WorkloadOp } from '../sim/workload.ts'
import { cliProtocol } from './protocol.ts'
import { type RunSpec, replayCommandOf } from './run-spec.ts'

/** A seed's outcome as `--json` prints it. `figures` adds the writes acknowledged. */
export type SeedVerdict = Verdict & { figures: Verdict['figures'] & { writesAcked: number } }

export interface SeedObserver {
  /** Receives every trace line and annotation, without newlines. */
  sink?: (line: string) => void
  /** Virtual ms between divergence samples. Default: the safety phase / 300, at least 10 ms. */
  sampleEveryMs?: number
}

/** Samples per safety phase: enough for a smooth line, few enough for a small report. */
const samplesPerSafetyPhase = 300

function scenarioLine(spec: RunSpec, seed: number): string {
  const record: ScenarioRecord = {
    t: 0,
    k: 'scenario',
    name: spec.name,
    summary: spec.summary,
    protocol: cliProtocol.name,
    seed,
    nodes: spec.ids,
    replay: replayCommandOf(spec, seed),
  }
  return JSON.stringify(record)
}

function verdictLine(verdict: SeedVerdict): string {
  const { ok, seed, traceHash, violations, figures } = verdict
  const record: VerdictRecord = {
    t: figures.virtualMs,
    k: 'verdict',
    ok,
    seed,
    traceHash,
    violations,
    figures: { ...figures },
  }
  return JSON.stringify(record)
}

/** The workload a seed draws: the protocol's writes, and a task scenario's submissions (issue 10). */
function drawnWorkload(spec: RunSpec, seed: number): WorkloadOp[] {
  const writes = cliProtocol.workload(seed, spec.ids, spec.durationMs, spec.writeEveryMs)
  const tasks = spec.tasks?.workload
  return tasks === undefined
    ? writes
    : mergeWorkloads(writes, tasksFromSeed(seed, spec.ids, spec.durationMs, tasks))
}

/** Runs `seed` of `spec`. Throws only if the run itself broke (a simulator bound, a bug). */
export async function runSeed(
  spec: RunSpec,
  seed: number,
  observer: SeedObserver = {},
): Promise<SeedVerdict> {
  const session = cliProtocol.session(spec.ids, spec.heartbeatMs)
  const sink = observer.sink
  const sampler =
    sink === undefined
      ? undefined
      : divergenceSampler({
          everyMs:
            observer.sampleEveryMs ?? Math.max(10, Math.round(spec.durationMs / samplesPerSafetyPhase)),
          vector: (node) => cliProtocol.versionVector(node),
          emit: (sample) => sink(JSON.stringify(sample)),
        })
  sink?.(scenarioLine(spec, seed))
  const verdict = await runScenario({
    seed,
    nodes: spec.ids,
    network: spec.network,
    swarm: spec.swarm,
    createNode: session.createNode,
    node:
      spec.nodeOptions === undefined
        ? session.nodeOptions
        : { ...(session.nodeOptions as Record<string, unknown>), ...spec.nodeOptions },
    storeSyncMs: spec.storeSyncMs,
    storeOptions: spec.store,
    plan: spec.plan,
    workload: spec.workload ?? drawnWorkload(spec, seed),
    ...(spec.tasks === undefined ? {} : { tasks: spec.tasks.handlers }),
    applyOp: session.applyOp,
    invariants: sampler === undefined ? session.invariants : [...session.invariants, sampler.invariant],
    durationMs: spec.durationMs,
    livenessMsMax: spec.livenessMsMax,
    ...(sink === undefined ? {} : { trace: { sink } }),
  })
  sampler?.sampleNow()
  const result: SeedVerdict = {
    ...verdict,
    figures: { ...verdict.figures, writesAcked: session.ackedCount() },
  }
  sink?.(verdictLine(result))
  return result
}

/** A seed whose run threw, as a failed verdict (the error is its one violation). */
export function thrownVerdict(seed: number, error: unknown): SeedVerdict {
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
  return {
    ok: false,
    seed,
    traceHash: '',
    violations: [{ invariant: 'run-threw', detail, atMs: 0 }],
    figures: {
      virtualMs: 0,
      events: 0,
      sends: 0,
      deliveries: 0,
      drops: 0,
      duplicates: 0,
      faults: 0,
      traceLines: 0,
      violations: 1,
      safetyMs: 0,
      livenessMs: 0,
      converged: false,
      opsDone: 0,
      opErrors: 0,
      opErrorsUnexplained: 0,
      writesAcked: 0,
    },
    replay: { version: SCENARIO_FILE_VERSION, seed, plan: [] },
  }
}
