/**
 * The board model's properties: a task's state is a function of the SET of
 * its events (order and duplication change nothing), adding events moves a
 * status only along the lifecycle table, results are fenced (only a higher
 * claim can displace an accepted result), a cancellation sticks, and the
 * last checkpoint never goes backwards.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { deriveTask } from '../../src/work/board-model.ts'
import { compareTokens, highestToken } from '../../src/work/fencing.ts'
import type { TaskEvent } from '../../src/work/task-events.ts'
import { canReach } from '../../src/work/task-lifecycle.ts'
import { laterEvent, TASK_ID, taskEvents } from './task-arbitraries.ts'

// Seeded so a failure repeats; fast-check prints the seed and path of any failure.
const params = { seed: 1010, numRuns: 400 }

function derive(events: TaskEvent[]) {
  const state = deriveTask(events)
  if (state === undefined) throw new Error('expected a task')
  return state
}

describe('board model', () => {
  it('derives the same state from any order and any duplication of the same events', () => {
    fc.assert(
      fc.property(
        taskEvents,
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.integer(),
        (events, dupIndexes, seed) => {
          const dups = dupIndexes.map((i) => structuredClone(events[i % events.length] as TaskEvent))
          const shuffled = fc.sample(
            fc.shuffledSubarray([...events, ...dups], { minLength: events.length + dups.length }),
            { seed, numRuns: 1 },
          )[0] as TaskEvent[]
          expect(deriveTask(shuffled)).toEqual(deriveTask(events))
        },
      ),
      params,
    )
  })

  it('has no task until its submission arrives, whatever else did', () => {
    fc.assert(
      fc.property(fc.array(laterEvent, { maxLength: 10 }), (events) => {
        expect(deriveTask(events)).toBeUndefined()
      }),
      params,
    )
  })

  it('moves a status only along the lifecycle table when events are added', () => {
    fc.assert(
      fc.property(taskEvents, fc.array(laterEvent, { maxLength: 8 }), (events, more) => {
        const before = derive(events).status
        const after = derive([...events, ...more]).status
        expect(canReach(before, after), `${before} -> ${after}`).toBe(true)
        if (before === 'cancelled') expect(['cancelled', 'completed', 'failed']).toContain(after)
      }),
      params,
    )
  })

  it('accepts only the winning claim result, and only a higher claim displaces it', () => {
    fc.assert(
      fc.property(taskEvents, fc.array(laterEvent, { maxLength: 8 }), (events, more) => {
        const state = derive(events)
        if (state.status !== 'completed') return
        const winner = highestToken(state.claims)
        expect(winner).toEqual(expect.objectContaining({ epoch: state.epoch, node: state.owner }))
        // Every claim's epoch is at most the accepted one: no lower epoch's result over a higher.
        for (const claim of state.claims) expect(claim.epoch).toBeLessThanOrEqual(state.epoch)
        const token = { epoch: state.epoch, node: state.owner as string }
        const notHigher = more.filter((e) => e.type !== 'claimed' || compareTokens(e, token) <= 0)
        const later = derive([...events, ...notHigher])
        expect(later.status).toBe('completed')
        expect(later.result).toEqual(state.result)
      }),
      params,
    )
  })

  it('keeps every completed run: the accepted one plus each duplicate, counted', () => {
    fc.assert(
      fc.property(taskEvents, (events) => {
        const state = derive(events)
        const completions = new Set(
          events
            .filter((e) => e.type === 'completed')
            .map((e) => JSON.stringify([e.epoch, e.node, e.seq, e.result])),
        )
        const accepted = state.status === 'completed' ? 1 : 0
        expect(state.duplicates.length + accepted).toBe(completions.size)
      }),
      params,
    )
  })

  it('never moves the last checkpoint backwards when events are added', () => {
    fc.assert(
      fc.property(taskEvents, fc.array(laterEvent, { maxLength: 8 }), (events, more) => {
        const before = derive(events).lastCheckpoint
        const after = derive([...events, ...more]).lastCheckpoint
        if (before === undefined) return
        expect(after).toBeDefined()
        const a = after as NonNullable<typeof after>
        expect(compareTokens(a, before) > 0 || (compareTokens(a, before) === 0 && a.seq >= before.seq)).toBe(
          true,
        )
      }),
      params,
    )
  })

  it('orders the history by run and seq, and keeps each distinct event once', () => {
    const events: TaskEvent[] = [
      { type: 'completed', epoch: 2, node: 'n2', seq: 3, result: 'b' },
      { type: 'claimed', epoch: 2, node: 'n2', seq: 0 },
      { type: 'checkpoint', epoch: 1, node: 'n1', seq: 1, state: { page: 1 } },
      { type: 'submitted', id: TASK_ID, kind: 'work', payload: 1, atMs: 0 },
      { type: 'claimed', epoch: 1, node: 'n1', seq: 0 },
      { type: 'claimed', epoch: 1, node: 'n1', seq: 0 },
      { type: 'stepDone', epoch: 2, node: 'n2', seq: 1, name: 'fetch', result: 42 },
    ]
    const state = derive(events)
    expect(state.history.map((e) => e.type)).toEqual([
      'submitted',
      'claimed',
      'checkpoint',
      'claimed',
      'stepDone',
      'completed',
    ])
    expect(state).toMatchObject({ status: 'completed', owner: 'n2', epoch: 2, result: 'b', attempts: 1 })
    expect(state.steps.get('fetch')?.result).toBe(42)
    expect(state.lastCheckpoint?.state).toEqual({ page: 1 })
  })

  it('reports a zombie result as a duplicate, not as the result', () => {
    const events: TaskEvent[] = [
      { type: 'submitted', id: TASK_ID, kind: 'work', payload: 1, atMs: 0 },
      { type: 'claimed', epoch: 1, node: 'n1', seq: 0 },
      { type: 'claimed', epoch: 2, node: 'n2', seq: 0 },
      { type: 'completed', epoch: 1, node: 'n1', seq: 1, result: 'stale' },
    ]
    const running = derive(events)
    expect(running).toMatchObject({ status: 'running', owner: 'n2', epoch: 2 })
    expect(running.result).toBeUndefined()
    expect(running.duplicates).toEqual([{ epoch: 1, node: 'n1', result: 'stale', compensated: false }])
  })
})
