/**
 * Named regression seeds of the task scenarios: each failed for a gap in
 * the work runtime, found by work-scenarios.test.ts. A seed still failing is
 * an `it.fails` (KNOWN_WORK_GAPS says what it shows); once the runtime is
 * fixed the test reports it, and the entry flips to a plain `it`.
 */
import { describe, expect, it } from 'vitest'
import { runTaskScenario } from './work-run.ts'

describe('task scenario regressions', () => {
  it('task-checkpoint-crash seed 26: a node that crashed with checkpoint events still queued for its disk restarts without them; the watcher does not call that fencing going back', async () => {
    const verdict = await runTaskScenario({ scenario: 'task-checkpoint-crash', seed: 26 })
    expect(verdict.violations).toEqual([])
  }, 120_000)

  it('task-partition-majority seed 4: the majority side must not claim a task its unreachable owner may hold (epoch 1 claimed twice)', async () => {
    const verdict = await runTaskScenario({ scenario: 'task-partition-majority', seed: 4 })
    expect(verdict.violations).toEqual([])
  }, 120_000)

  it('task-breaker-partition seed 1: a run refused by its half-open breaker waits for the probe (it spun in microtasks: virtual time stalled at 6610 ms)', async () => {
    const verdict = await runTaskScenario({ scenario: 'task-breaker-partition', seed: 1 })
    expect(verdict.violations).toEqual([])
  }, 120_000)

  it('task-partition-majority seed 32: a saga finished by another node ends failed (it wrote a claim of epoch 1 on every tick instead)', async () => {
    const verdict = await runTaskScenario({ scenario: 'task-partition-majority', seed: 32 })
    expect(verdict.violations).toEqual([])
  }, 120_000)

  it("task-compensation-crash seed 5: a duplicate is compensated exactly once (a node that could not hear the run's node took over its compensation while that node, alive, did it too)", async () => {
    const verdict = await runTaskScenario({ scenario: 'task-compensation-crash', seed: 5 })
    expect(verdict.violations).toEqual([])
  }, 120_000)
})
