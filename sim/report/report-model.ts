/**
 * Builds a report's model from trace lines, one line at a time, so a report
 * can come straight from a running simulation or later from a `--trace`
 * file. It keeps what a report draws (faults, node events, phases, samples,
 * violations, the verdict) and only counts the hot lines (sends,
 * deliveries, timers), which it recognises without parsing them.
 */
import type { Violation } from '../checkers.ts'
import { LinkReplay, type LinkSnapshot } from './link-replay.ts'
import type { SampleRecord, ScenarioRecord, VerdictRecord } from './records.ts'
import { type TaskRunLine, TaskRunReplay } from './task-lanes.ts'

export interface FaultLine {
  t: number
  fault: string
  args: unknown[]
  skipped?: string
}

export interface NodeLine {
  t: number
  node: string
  what: string
  detail?: string
}

/** Everything a report shows, gathered from the lines. */
export interface ReportModel {
  scenario: ScenarioRecord | undefined
  seed: number | undefined
  ids: string[]
  /** The options the run logged (network, and what a swarm seed drew). */
  options: unknown[]
  phases: Array<{ t: number; phase: string }>
  faults: FaultLine[]
  nodeEvents: NodeLine[]
  samples: SampleRecord[]
  /** Violations the trace recorded while running (the verdict adds the quiescence ones). */
  violations: Violation[]
  verdict: VerdictRecord | undefined
  links: LinkSnapshot[]
  /** Task handler executions (runs and compensations), from the `task` lines. */
  taskRuns: TaskRunLine[]
  /** Lines per kind. */
  counts: Record<string, number>
  endMs: number
}

/** The most nodes drawn as pair rows: 8 nodes are 28 rows, more would be unreadable. */
export const PAIR_ROWS_NODES_MAX = 8

/** Kinds that are counted but never parsed: most of a trace, and nothing a report draws. */
const hotKinds = new Set(['send', 'deliver', 'dup', 'drop', 'timer', 'connect', 'disconnect', 'op'])

/** The `k` of a line without parsing it (trace lines start `{"t":…,"k":"…"`). */
function kindOf(line: string): string | undefined {
  const at = line.indexOf('"k":"')
  if (at < 0) return undefined
  const end = line.indexOf('"', at + 5)
  return end < 0 ? undefined : line.slice(at + 5, end)
}

/** Builds a `ReportModel` from trace lines and report annotations, one at a time; `finish()` returns it. */
export class ReportBuilder {
  readonly #model: ReportModel = {
    scenario: undefined,
    seed: undefined,
    ids: [],
    options: [],
    phases: [],
    faults: [],
    nodeEvents: [],
    samples: [],
    violations: [],
    verdict: undefined,
    links: [],
    taskRuns: [],
    counts: {},
    endMs: 0,
  }
  #replay: LinkReplay | undefined
  readonly #tasks = new TaskRunReplay()

  /** Adds one line (JSON, no newline). Returns false for a line that is not a trace record. */
  line(line: string): boolean {
    const kind = kindOf(line)
    if (kind === undefined) return false
    const m = this.#model
    m.counts[kind] = (m.counts[kind] ?? 0) + 1
    if (hotKinds.has(kind)) return true
    let record: Record<string, unknown>
    try {
      record = JSON.parse(line) as Record<string, unknown>
    } catch {
      return false
    }
    this.record(record)
    return true
  }

  /** Adds one parsed record (a trace record or a report annotation). */
  record(r: Record<string, unknown>): void {
    const m = this.#model
    const t = typeof r.t === 'number' ? r.t : 0
    m.endMs = Math.max(m.endMs, t)
    switch (r.k) {
      case 'scenario':
        m.scenario = r as unknown as ScenarioRecord
        break
      case 'options':
        this.#options(r)
        break
      case 'phase':
        m.phases.push({ t, phase: String(r.phase) })
        break
      case 'fault':
        this.#fault({
          t,
          fault: String(r.fault),
          args: (r.args as unknown[]) ?? [],
          ...(r.skipped ? { skipped: String(r.skipped) } : {}),
        })
        break
      case 'node':
        this.#node({
          t,
          node: String(r.node),
          what: String(r.what),
          ...(r.detail ? { detail: String(r.detail) } : {}),
        })
        break
      case 'sample':
        m.samples.push(r as unknown as SampleRecord)
        break
      case 'violation':
        m.violations.push({ invariant: String(r.invariant), detail: String(r.detail), atMs: t })
        break
      case 'verdict':
        m.verdict = r as unknown as VerdictRecord
        break
      case 'task':
        this.#tasks.record(r, t)
        break
    }
  }

  #options(r: Record<string, unknown>): void {
    const m = this.#model
    if (typeof r.seed === 'number') m.seed = r.seed
    const options = r.options as { nodes?: unknown } | undefined
    m.options.push(options)
    if (m.ids.length === 0 && Array.isArray(options?.nodes)) {
      m.ids = options.nodes.map(String)
      this.#replay = new LinkReplay(m.ids, m.ids.length <= PAIR_ROWS_NODES_MAX)
    }
  }

  #fault(line: FaultLine): void {
    this.#model.faults.push(line)
    if (line.skipped === undefined && this.#replay?.fault(line.fault, line.args)) this.#snapshot(line.t)
  }

  #node(line: NodeLine): void {
    this.#model.nodeEvents.push(line)
    if (this.#replay?.node(line.node, line.what)) this.#snapshot(line.t)
  }

  /** Records the link state at `t`, replacing one taken earlier at the same instant. */
  #snapshot(t: number): void {
    const links = this.#model.links
    const snapshot = this.#replay?.snapshot(t)
    if (snapshot === undefined) return
    if (links.at(-1)?.t === t) links[links.length - 1] = snapshot
    else links.push(snapshot)
  }

  /** The model so far. */
  finish(): ReportModel {
    this.#model.taskRuns = this.#tasks.runs
    return this.#model
  }
}

/** A model from whole trace text (JSON lines). */
export function reportModelOf(lines: Iterable<string>): ReportModel {
  const builder = new ReportBuilder()
  for (const line of lines) if (line.length > 0) builder.line(line)
  return builder.finish()
}
