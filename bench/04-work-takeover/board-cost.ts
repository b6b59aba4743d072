/**
 * #4 work takeover, the board's cost rows (work-takeover.ts runs them): what the replicated task board
 * costs per task in each backend, measured in the same process and run, to
 * choose its representation (src/work/task-board.ts says which won and why).
 *
 * Each task goes through submit, claim, checkpoint and complete as four
 * backend changes (four events: one per change, as the board writes them),
 * through the crdt backends the node uses. Measured per representation:
 * microseconds per event written (the change and its encoded update), bytes
 * of update per event (what replication and the store carry), snapshot
 * bytes per task (what a restart loads), heap per task, and the time to load
 * a snapshot of the whole board (restart with N finished tasks), as a ratio
 * against the Yjs flat map, the baseline row.
 *
 * Representations: a flat map of `task/eventId → event` in Yjs (Y.Map) and
 * in Automerge (a map in the root). A map of task → list was left out of
 * both: two sides that create one task's list concurrently (an idempotency
 * key submitted on both sides of a partition) each make their own list, and
 * the map keeps one, so the other side's events vanish from view.
 */
import type * as Y from 'yjs'
import { createAutomergeBackend } from '../../crdt/automerge.ts'
import type { DocBackend } from '../../crdt/backend.ts'
import { createYjsBackend } from '../../crdt/yjs.ts'
import type { DocHandle } from '../../src/docs/doc-handle.ts'
import { seededRandom, silentLogger } from '../../src/env/index.ts'
import { TaskBoard } from '../../src/work/task-board.ts'
import { eventId, randomTaskId, type TaskEvent } from '../../src/work/task-events.ts'
import { median } from '../harness/measure.ts'
import type { BenchOptions, BenchResult } from '../harness/result.ts'
import { row } from '../harness/result.ts'

const BENCH = 'work-takeover'
/** Every case here is prefixed, to tell these rows from the takeover rows. */
const PREFIX = 'board cost: '

/**
 * Tasks per board, and repetitions (the median counts). Both backends are
 * compared at 1,000 tasks (Automerge takes ~6 ms an event, so 10,000 tasks
 * would take minutes a round); full runs add the chosen backend alone at
 * 10,000 finished tasks, BENCHMARKS.md's restart size.
 */
const sizes = {
  compare: { tasks: 1_000, rounds: 3 },
  /** --quick: Automerge's ~5 ms an event would take a minute at the full size. */
  compareQuick: { tasks: 200, rounds: 1 },
  chosenFull: { tasks: 10_000, rounds: 1 },
}

interface Representation {
  name: string
  create(snapshot?: Uint8Array): DocBackend
  write(backend: DocBackend, key: string, event: TaskEvent): Uint8Array | null
}

const representations: Representation[] = [
  {
    name: 'yjs flat Y.Map',
    create: (snapshot) =>
      createYjsBackend({ random: seededRandom(1), ...(snapshot ? { snapshot } : {}) }) as DocBackend,
    write: (backend, key, event) =>
      (backend as DocBackend<Y.Doc>).change((doc) => doc.getMap('events').set(key, event)),
  },
  {
    name: 'automerge flat map',
    create: (snapshot) =>
      createAutomergeBackend({ random: seededRandom(1), ...(snapshot ? { snapshot } : {}) }) as DocBackend,
    write: (backend, key, event) =>
      // biome-ignore lint/suspicious/noExplicitAny: Automerge's mutable proxy is untyped.
      (backend as DocBackend<any>).change((doc) => {
        doc.events ??= {}
        doc.events[key] = event
      }),
  },
]

/** The four events of one task's life, as the runner writes them. */
export function lifeOf(id: string, i: number): TaskEvent[] {
  return [
    { type: 'submitted', id, kind: 'summarize', payload: { doc: `d${i}` }, atMs: i },
    { type: 'claimed', epoch: 1, node: 'n3', seq: 0 },
    { type: 'checkpoint', epoch: 1, node: 'n3', seq: 1, state: { page: 1 } },
    { type: 'completed', epoch: 1, node: 'n3', seq: 2, result: { summary: 'ok' } },
  ]
}

interface Round {
  usPerEvent: number
  updateBytesPerEvent: number
  snapshotBytesPerTask: number
  heapBytesPerTask: number
  loadMs: number
}

function gc(): void {
  ;(globalThis as { gc?: () => void }).gc?.()
}

function round(rep: Representation, tasks: number): Round {
  const random = seededRandom(7)
  gc()
  const heapBefore = process.memoryUsage().heapUsed
  const backend = rep.create()
  let updateBytes = 0
  let events = 0
  const started = performance.now()
  for (let i = 0; i < tasks; i++) {
    const id = randomTaskId(random.bytes(16))
    for (const event of lifeOf(id, i)) {
      updateBytes += rep.write(backend, `${id}/${eventId(event)}`, event)?.length ?? 0
      events++
    }
  }
  const elapsedMs = performance.now() - started
  gc()
  const heapBytes = process.memoryUsage().heapUsed - heapBefore
  const snapshot = backend.snapshot()
  backend.destroy()
  const loadStarted = performance.now()
  const loaded = rep.create(snapshot)
  loaded.value()
  const loadMs = performance.now() - loadStarted
  loaded.destroy()
  return {
    usPerEvent: (elapsedMs * 1000) / events,
    updateBytesPerEvent: updateBytes / events,
    snapshotBytesPerTask: snapshot.length / tasks,
    heapBytesPerTask: heapBytes / tasks,
    loadMs,
  }
}

const metrics: Array<{ key: keyof Round; metric: string; unit: string }> = [
  { key: 'usPerEvent', metric: 'write per event', unit: 'µs' },
  { key: 'updateBytesPerEvent', metric: 'update per event', unit: 'B' },
  { key: 'snapshotBytesPerTask', metric: 'snapshot per task', unit: 'B' },
  { key: 'heapBytesPerTask', metric: 'heap per task', unit: 'B' },
  { key: 'loadMs', metric: 'load finished board', unit: 'ms' },
]

/** The board's cost rows: both representations compared; full runs add the chosen one at 10,000 tasks. */
export async function boardCostRows(options: BenchOptions): Promise<BenchResult[]> {
  const results = compare(options)
  if (!options.quick) {
    const [chosen] = representations as [Representation]
    const { tasks } = sizes.chosenFull
    const m = round(chosen, tasks)
    options.log(`${chosen.name} at ${tasks} tasks: ${JSON.stringify(m)}`)
    for (const { key, metric, unit } of metrics)
      results.push(
        row({ bench: BENCH, case: `${PREFIX}${chosen.name}, ${tasks} tasks`, metric, value: m[key], unit }),
      )
    const deriveMs = deriveBoardMs(tasks)
    options.log(`TaskBoard over ${tasks} finished tasks: ${deriveMs.toFixed(1)} ms`)
    results.push(
      row(
        {
          bench: BENCH,
          case: `${PREFIX}TaskBoard, ${tasks} tasks`,
          metric: 'index + derive at start',
          value: deriveMs,
          unit: 'ms',
        },
        { name: 'yjs load of the same board', value: m.loadMs },
      ),
    )
  }
  return results
}

/**
 * What the work layer adds to a restart: indexing and deriving every task of
 * a loaded board (TaskBoard's constructor), against loading the same bytes
 * into Yjs (measured in the same round above).
 */
function deriveBoardMs(tasks: number): number {
  const [chosen] = representations as [Representation]
  const backend = chosen.create()
  const random = seededRandom(7)
  for (let i = 0; i < tasks; i++) {
    const id = randomTaskId(random.bytes(16))
    for (const event of lifeOf(id, i)) chosen.write(backend, `${id}/${eventId(event)}`, event)
  }
  const ydoc = (backend as DocBackend<Y.Doc> & { ydoc: Y.Doc }).ydoc
  const started = performance.now()
  // TaskBoard reads only `ydoc` when it starts; writes would go through `change`, unused here.
  const board = new TaskBoard({ ydoc } as DocHandle<Y.Doc>, silentLogger)
  const elapsedMs = performance.now() - started
  board.stop()
  backend.destroy()
  return elapsedMs
}

/** Both representations at the same size, each against the Yjs flat map (the first). */
function compare(options: BenchOptions): BenchResult[] {
  const { tasks, rounds } = options.quick ? sizes.compareQuick : sizes.compare
  const medians = new Map<string, Round>()
  for (const rep of representations) {
    const samples: Round[] = []
    for (let r = 0; r < rounds; r++) samples.push(round(rep, tasks))
    const m = Object.fromEntries(metrics.map(({ key }) => [key, median(samples.map((s) => s[key]))]))
    medians.set(rep.name, m as unknown as Round)
    options.log(`${rep.name}: ${JSON.stringify(m)}`)
  }
  const [baseline] = representations as [Representation]
  const base = medians.get(baseline.name) as Round
  const results: BenchResult[] = []
  for (const rep of representations) {
    const m = medians.get(rep.name) as Round
    for (const { key, metric, unit } of metrics) {
      const fields = {
        bench: BENCH,
        case: `${PREFIX}${rep.name}, ${tasks} tasks`,
        metric,
        value: m[key],
        unit,
      }
      results.push(rep === baseline ? row(fields) : row(fields, { name: baseline.name, value: base[key] }))
    }
  }
  return results
}
