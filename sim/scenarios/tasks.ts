/**
 * The named scenarios of task work (issue 10): tasks of the simulator's
 * kinds (sim/task-handlers.ts) submitted beside the writes, under the faults
 * work must survive. The work invariants (sim/work-invariants.ts) decide:
 * no lost task, one accepted result, fencing never backwards, no
 * overlapping runs under `majority`, duplicates compensated exactly once,
 * checkpoints forward. The owner of a task is a hash of its id, so plans hit
 * fixed nodes; with ~40 tasks a run, every node owns some.
 */
import type { FaultStep } from '../fault-plan.ts'
import {
  atFraction as at,
  flapPlan,
  idAt,
  type NamedScenario,
  type NamedTaskWork,
  scenarioDefaults,
} from './named-scenario.ts'

/** A task every ~150 ms over the first three quarters of an 8 s safety phase: ~40 tasks. */
const taskEveryMs = 150

const work = (
  policy: 'majority' | 'availability',
  mix?: NamedTaskWork['workload']['mix'],
): NamedTaskWork => ({
  workload: { everyMs: taskEveryMs, ...(mix === undefined ? {} : { mix }) },
  handlers: {},
  node: { partitionPolicy: policy },
})

/** What every task scenario shares: fewer writes (tasks are the story), time for a takeover. */
const taskDefaults = {
  ...scenarioDefaults,
  nodesMin: 3,
  durationMsDefault: 8_000,
  livenessMsMax: 30_000,
  writeEveryMs: 400,
} as const

const split = (ids: readonly string[]) => {
  const cut = Math.floor(ids.length / 2)
  return [ids.slice(0, cut), ids.slice(cut)]
}

export const taskOwnerCrash: NamedScenario = {
  ...taskDefaults,
  name: 'task-owner-crash',
  summary: 'tasks running; one node crashes and stays down past detection + lease: its tasks are taken over',
  // Mostly long runs, so the crash lands in the middle of some.
  tasks: work('majority', { slow: 3, saga: 2, quick: 1, flaky: 1 }),
  plan: (ids, durationMs) => [{ atMs: at(durationMs, 1 / 4), fault: 'crash', args: [idAt(ids, 1)] }],
}

export const taskCheckpointCrash: NamedScenario = {
  ...taskDefaults,
  name: 'task-checkpoint-crash',
  summary: 'slow tasks checkpointing; power losses drop unsynced checkpoints, restarts resume',
  // Writes take 5 ms to be durable, so a power loss can drop a checkpoint being written.
  storeSyncMs: 5,
  tasks: work('majority', { slow: 3, saga: 1 }),
  plan: (ids, durationMs) => [
    { atMs: at(durationMs, 1 / 5), fault: 'crash', args: [idAt(ids, 0), { lose: 'unsynced' }] },
    { atMs: at(durationMs, 2 / 5), fault: 'restart', args: [idAt(ids, 0)] },
    { atMs: at(durationMs, 1 / 2), fault: 'crash', args: [idAt(ids, 2), { lose: 'unsynced' }] },
    { atMs: at(durationMs, 1 / 2) + 1, fault: 'crash', args: [idAt(ids, 3)] },
    { atMs: at(durationMs, 3 / 4), fault: 'restart', args: [idAt(ids, 2)] },
  ],
}

const partitionPlan = (ids: readonly string[], durationMs: number): FaultStep[] => [
  { atMs: at(durationMs, 1 / 6), fault: 'partition', args: [split(ids)] },
  { atMs: at(durationMs, 3 / 4), fault: 'heal', args: [] },
]

export const taskPartitionMajority: NamedScenario = {
  ...taskDefaults,
  name: 'task-partition-majority',
  summary: "split under partitionPolicy 'majority': only the majority takes over; no two runs overlap",
  tasks: work('majority'),
  plan: partitionPlan,
}

export const taskPartitionAvailability: NamedScenario = {
  ...taskDefaults,
  name: 'task-partition-availability',
  summary: "split under 'availability': both sides run; duplicates settle and are compensated on healing",
  tasks: work('availability'),
  plan: partitionPlan,
}

export const taskFlapping: NamedScenario = {
  ...taskDefaults,
  name: 'task-flapping',
  summary: 'isolate one node after another while tasks run, healing in between',
  tasks: work('majority'),
  plan: (ids, durationMs) => flapPlan(ids, durationMs, 0.7),
}

export const taskCompensationCrash: NamedScenario = {
  ...taskDefaults,
  name: 'task-compensation-crash',
  summary: "split under 'availability' makes duplicates; nodes crash right after healing, while compensating",
  tasks: work('availability', { quick: 1, saga: 2, slow: 1 }),
  plan: (ids, durationMs) => [
    { atMs: at(durationMs, 1 / 6), fault: 'partition', args: [split(ids)] },
    { atMs: at(durationMs, 2 / 3), fault: 'heal', args: [] },
    { atMs: at(durationMs, 2 / 3) + 120, fault: 'crash', args: [idAt(ids, 0)] },
    { atMs: at(durationMs, 2 / 3) + 260, fault: 'crash', args: [idAt(ids, 3), { lose: 'unsynced' }] },
    { atMs: at(durationMs, 5 / 6), fault: 'restart', args: [idAt(ids, 0)] },
  ],
}

export const taskBreakerPartition: NamedScenario = {
  ...taskDefaults,
  name: 'task-breaker-partition',
  summary: 'mostly flaky tasks open their breaker while the cluster is split',
  tasks: work('majority', { guarded: 4, quick: 1 }),
  plan: partitionPlan,
}

export const taskStorageFaults: NamedScenario = {
  ...taskDefaults,
  name: 'task-storage-faults',
  summary: 'failed write batches on every node (claims, checkpoints, results), a power loss, rot while down',
  storeSyncMs: 5,
  tasks: work('majority', { slow: 2, quick: 1, saga: 1 }),
  plan(ids, durationMs) {
    const faults: FaultStep[] = ids.map((id, i) => ({
      atMs: at(durationMs, 1 / 8 + (i * 1) / (ids.length * 3)),
      fault: 'storeFault',
      args: [id, { failWrites: 2 }],
    }))
    const [a, b] = [idAt(ids, 1), idAt(ids, 2)]
    return [
      ...faults,
      { atMs: at(durationMs, 1 / 2), fault: 'crash', args: [a, { lose: 'unsynced' }] },
      { atMs: at(durationMs, 1 / 2) + 1, fault: 'corrupt', args: [a, { records: 2 }] },
      { atMs: at(durationMs, 2 / 3), fault: 'storeFault', args: [b, { failWrites: 3 }] },
      { atMs: at(durationMs, 3 / 4), fault: 'restart', args: [a] },
    ]
  },
}

/** Every task scenario, in the order `--help` lists them. */
export const taskScenarios: readonly NamedScenario[] = [
  taskOwnerCrash,
  taskCheckpointCrash,
  taskPartitionMajority,
  taskPartitionAvailability,
  taskFlapping,
  taskCompensationCrash,
  taskBreakerPartition,
  taskStorageFaults,
]
