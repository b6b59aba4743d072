/**
 * fast-check arbitraries for one task's events: a submission and a random
 * mix of claims, checkpoints, steps, attempt failures, completions, failures,
 * cancellations and compensations over a few nodes and epochs, so that ties,
 * duplicates and concurrent claims are common.
 */
import fc from 'fast-check'
import type { RunScoped, TaskEvent } from '../../src/work/task-events.ts'

export const TASK_ID = 'r00000000000000000000000000000001'
const nodes = ['n1', 'n2', 'n3']

const run: fc.Arbitrary<RunScoped> = fc.record({
  epoch: fc.integer({ min: 1, max: 4 }),
  node: fc.constantFrom(...nodes),
  seq: fc.integer({ min: 0, max: 5 }),
})

const json = fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom('a', 'b'), fc.constant(null))

export const submitted: fc.Arbitrary<TaskEvent> = fc.record({
  type: fc.constant('submitted' as const),
  id: fc.constant(TASK_ID),
  kind: fc.constant('work'),
  payload: json,
  atMs: fc.integer({ min: 0, max: 3 }),
})

/** Any event but a submission. */
export const laterEvent: fc.Arbitrary<TaskEvent> = fc.oneof(
  run.map((r) => ({ ...r, seq: 0, type: 'claimed' as const })),
  fc.tuple(run, json).map(([r, state]) => ({ ...r, type: 'checkpoint' as const, state })),
  fc
    .tuple(run, fc.constantFrom('s1', 's2'), json)
    .map(([r, name, result]) => ({ ...r, type: 'stepDone' as const, name, result })),
  fc.tuple(run, fc.integer({ min: 1, max: 3 }), fc.boolean()).map(([r, attempt, final]) => ({
    ...r,
    type: 'attemptFailed' as const,
    attempt,
    error: `e${attempt}`,
    final,
  })),
  fc.tuple(run, json).map(([r, result]) => ({ ...r, type: 'completed' as const, result })),
  run.map((r) => ({ ...r, type: 'failed' as const, error: 'gave up' })),
  fc.tuple(fc.constantFrom(...nodes), fc.integer({ min: 0, max: 4 })).map(([node, epoch]) => ({
    type: 'cancelled' as const,
    node,
    epoch,
    atMs: 7,
  })),
  fc.tuple(run, fc.option(fc.constantFrom('s1', 's2'), { nil: undefined })).map(([r, step]) => ({
    type: 'compensated' as const,
    epoch: r.epoch,
    node: r.node,
    by: 'n1',
    ...(step === undefined ? {} : { step }),
  })),
)

/** A task's events: usually with its submission, sometimes one from each side of a split. */
export const taskEvents: fc.Arbitrary<TaskEvent[]> = fc
  .tuple(fc.array(submitted, { minLength: 1, maxLength: 2 }), fc.array(laterEvent, { maxLength: 14 }))
  .map(([s, rest]) => [...s, ...rest])
