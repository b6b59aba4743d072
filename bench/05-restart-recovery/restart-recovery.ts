/**
 * #5 crash-restart recovery. A document holding the B4 trace (1×; and 10×:
 * the trace replayed 10 times back to back in one document), stored in a
 * levelStore as a snapshot plus the longest log tail the default compaction
 * policy lets it hold (recovery-fixtures.ts `longestTail`). Measured in a fresh child process each time: from
 * `levelStore()` + `open()` + `load(doc)` through building the backend from
 * the snapshot and applying the tail to the first `value()`; and the child's
 * peak RSS. The floor, same bytes of state, also in a fresh child: raw
 * `Y.applyUpdate` / `Automerge.load` of the final state held in memory.
 */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { median } from '../harness/measure.ts'
import { type Benchmark, type BenchOptions, type BenchResult, row, type Target } from '../harness/result.ts'
import { loadTraceEdits, type Trace } from '../harness/trace.ts'
import { buildFixture, type Fixture, RECOVERY_DOC } from './recovery-fixtures.ts'
import type { RecoveryJob, RecoveryKind, RecoveryMeasurement } from './restart-recovery-child.ts'

const BENCH = 'restart-recovery'
const floorTarget: Target = { cmp: '<=', ratio: 1.5 }
const childScript = fileURLToPath(new URL('./restart-recovery-child.ts', import.meta.url))
const execFileAsync = promisify(execFile)

/** `runs`: child processes per measurement (the median is reported), full and --quick. */
interface Case {
  backend: Fixture['backend']
  reps: number
  runs: { full: number; quick: number }
}

/**
 * `quick: 0` leaves a case out of --quick (which runs 1× only). Automerge runs
 * fewer times, and not in --quick (whose budget is two minutes in all):
 * building its fixture alone (the B4 trace through Automerge.change) takes
 * ~30 s on this machine.
 */
const cases: readonly Case[] = [
  { backend: 'yjs', reps: 1, runs: { full: 5, quick: 3 } },
  { backend: 'yjs', reps: 10, runs: { full: 3, quick: 0 } },
  { backend: 'automerge', reps: 1, runs: { full: 3, quick: 0 } },
]

async function measureOnce(job: RecoveryJob, expectedChars: number): Promise<RecoveryMeasurement> {
  const { stdout } = await execFileAsync(process.execPath, [childScript, JSON.stringify(job)], {
    maxBuffer: 1 << 20,
  })
  const measurement = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as RecoveryMeasurement
  if (measurement.chars !== expectedChars) {
    throw new Error(
      `${job.kind} ${job.backend} recovered ${measurement.chars} characters, expected ${expectedChars}`,
    )
  }
  return measurement
}

type Medians = RecoveryMeasurement

function medians(measurements: readonly RecoveryMeasurement[]): Medians {
  const of = (pick: (m: RecoveryMeasurement) => number) => median(measurements.map(pick))
  const phases = Object.keys(measurements[0]?.phasesMs ?? {})
  return {
    firstReadMs: of((m) => m.firstReadMs),
    maxRssBytes: of((m) => m.maxRssBytes),
    baselineRssBytes: of((m) => m.baselineRssBytes),
    chars: measurements[0]?.chars ?? 0,
    phasesMs: Object.fromEntries(phases.map((p) => [p, of((m) => m.phasesMs[p] ?? 0)])),
  }
}

const kinds: readonly RecoveryKind[] = ['floor', 'isthmus', 'isthmus-merged-tail']

/** Runs every kind of child in turn, `runs` rounds, so noise hits all alike. */
async function measureFixture(fixture: Fixture, runs: number): Promise<Record<RecoveryKind, Medians>> {
  const all: Record<RecoveryKind, RecoveryMeasurement[]> = {
    floor: [],
    isthmus: [],
    'isthmus-merged-tail': [],
  }
  for (let i = 0; i < runs; i++) {
    for (const kind of kinds) {
      const path = kind === 'floor' ? fixture.floorPath : fixture.storePath
      const job: RecoveryJob = { kind, backend: fixture.backend, path, doc: RECOVERY_DOC }
      all[kind].push(await measureOnce(job, fixture.chars))
    }
  }
  return {
    floor: medians(all.floor),
    isthmus: medians(all.isthmus),
    'isthmus-merged-tail': medians(all['isthmus-merged-tail']),
  }
}

const MiB = 2 ** 20

/** Time, its phases, peak RSS and RSS growth of one kind of recovery, against the floor. */
function recoveryRows(caseName: string, m: Medians, floor: Medians, floorName: string, target?: Target) {
  const base = (metric: string, value: number, unit: string) => ({
    bench: BENCH,
    case: caseName,
    metric,
    value,
    unit,
  })
  const withTarget = (fields: ReturnType<typeof base>) =>
    target === undefined ? fields : { ...fields, target }
  const versus = (value: number) => ({ name: floorName, value })
  return [
    row(withTarget(base('time to first read', m.firstReadMs, 'ms')), versus(floor.firstReadMs)),
    ...Object.entries(m.phasesMs).map(([phase, ms]) =>
      row(base(`  of which ${phase}`, ms, 'ms'), versus(floor.firstReadMs)),
    ),
    row(withTarget(base('peak RSS', m.maxRssBytes / MiB, 'MiB')), versus(floor.maxRssBytes / MiB)),
    row(
      base('peak RSS above modules loaded', (m.maxRssBytes - m.baselineRssBytes) / MiB, 'MiB'),
      versus((floor.maxRssBytes - floor.baselineRssBytes) / MiB),
    ),
  ]
}

function caseRows(fixture: Fixture, measured: Record<RecoveryKind, Medians>): BenchResult[] {
  const label = `${fixture.backend} ${fixture.reps}× B4`
  const floorName = fixture.backend === 'yjs' ? 'Y.applyUpdate' : 'Automerge.load'
  const floorCase = `${label} floor (${floorName})`
  const { floor } = measured
  const base = (c: string, metric: string, value: number, unit: string) => ({
    bench: BENCH,
    case: c,
    metric,
    value,
    unit,
  })
  return [
    row(base(floorCase, 'time to first read', floor.firstReadMs, 'ms')),
    row(base(floorCase, 'peak RSS', floor.maxRssBytes / MiB, 'MiB')),
    row(
      base(
        floorCase,
        'peak RSS above modules loaded',
        (floor.maxRssBytes - floor.baselineRssBytes) / MiB,
        'MiB',
      ),
    ),
    ...recoveryRows(`${label} isthmus`, measured.isthmus, floor, floorName, floorTarget),
    row(base(`${label} isthmus`, 'log tail entries', fixture.tailEdits, 'count')),
    row(base(`${label} isthmus`, 'store folder size', fixture.storeFolderBytes / MiB, 'MiB'), {
      name: `${floorName} bytes`,
      value: fixture.floorBytes / MiB,
    }),
    ...recoveryRows(
      `${label} isthmus, tail merged (what-if)`,
      measured['isthmus-merged-tail'],
      floor,
      floorName,
    ),
  ]
}

async function runCase(c: Case, trace: Trace, options: BenchOptions): Promise<BenchResult[]> {
  const edits = c.reps * trace.edits.length
  options.log(`${c.backend} ${c.reps}×: building the stored document (${edits} edits)`)
  const fixture = await buildFixture(c.backend, trace, c.reps)
  options.log(
    `${c.backend} ${c.reps}×: snapshot ${fixture.snapshotBytes} B + log tail of ${fixture.tailEdits} entries`,
  )
  try {
    const runs = options.quick ? c.runs.quick : c.runs.full
    options.log(`${c.backend} ${c.reps}×: measuring, ${runs} rounds of a child process per kind`)
    return caseRows(fixture, await measureFixture(fixture, runs))
  } finally {
    fixture.remove()
  }
}

async function run(options: BenchOptions): Promise<BenchResult[]> {
  const trace = loadTraceEdits('automerge-paper')
  const rows: BenchResult[] = []
  const selected = cases.filter((c) => (options.quick ? c.runs.quick : c.runs.full) > 0)
  for (const c of selected) rows.push(...(await runCase(c, trace, options)))
  return rows
}

export const restartRecovery: Benchmark = { id: 5, name: BENCH, run }
