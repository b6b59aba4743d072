/**
 * A saga finished by another node (settler.ts #finishSaga): the winning run
 * wrote `attemptFailed {final}` (status 'compensating') and its node went out
 * of reach before its `failed` arrived here. Once that node's lease expired,
 * this node undoes the remaining steps and writes `failed` under the run's
 * token. Found by task-partition-majority seed 32: the event was built as
 * `{ type: 'failed', ...winner }`, and the winner is the `claimed` event
 * itself, so its `type` won: a `claimed` event of the same epoch was written
 * instead, on every tick (epochs-increase: "epoch 1 claimed by n1 and n1 and
 * n1 ..."), and the task stayed 'compensating' until the heal.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import type { DocHandle } from '../../src/docs/doc-handle.ts'
import { silentLogger } from '../../src/env/index.ts'
import type { Env } from '../../src/env/types.ts'
import { rendezvousOwner } from '../../src/work/rendezvous.ts'
import { Settler } from '../../src/work/settler.ts'
import { StepCompensators } from '../../src/work/step-compensators.ts'
import { TaskBoard } from '../../src/work/task-board.ts'
import { type TaskEvent, taskIdOfKey } from '../../src/work/task-events.ts'
import type { TaskNode } from '../../src/work/types.ts'
import { manualClock, settle } from '../resilience/manual-clock.ts'

function board() {
  const ydoc = new Y.Doc()
  const handle = { ydoc, change: async (fn: (d: Y.Doc) => void) => ydoc.transact(() => fn(ydoc)) }
  return new TaskBoard(handle as unknown as DocHandle<Y.Doc>, silentLogger)
}

describe('a saga whose run died mid-way', () => {
  it('is finished by the compensator: `failed` under the run token, no new claim', async () => {
    const id = taskIdOfKey('trip')
    const b = board()
    const run = { epoch: 1, node: 'n1' }
    const events: TaskEvent[] = [
      { type: 'submitted', id, kind: 'trip', payload: null, atMs: 0 },
      { type: 'claimed', ...run, seq: 0 },
      { type: 'stepDone', ...run, seq: 1, name: 'hold', result: 'seat 7' },
      { type: 'attemptFailed', ...run, seq: 2, attempt: 1, error: 'Error: no', final: true },
    ]
    await b.write(id, events)
    expect(b.state(id)?.status).toBe('compensating')
    const undone: unknown[] = []
    const compensators = new StepCompensators()
    compensators.register(id, 'trip', run, 'hold', async (result) => {
      undone.push(result)
    })
    // n1 is out of reach past its lease: the rendezvous owner among the reachable finishes the saga.
    const reachable = ['n2', 'n3', 'n4']
    const self = rendezvousOwner(id, reachable) as string
    const clock = manualClock()
    const env = { clock, log: silentLogger } as unknown as Env
    const settler = new Settler({
      env,
      self,
      board: b,
      handlers: { trip: { run: async () => null } },
      node: { id: self } as unknown as TaskNode,
      compensators,
      degradation: () => ({ level: 'full', reasons: [] }),
    })
    const view = { self, reachable, peerLeases: new Map([['n1', 'expired' as const]]), dead: ['n1'] }
    settler.settle(b.state(id) as never, view, false)
    await settle()
    const state = b.state(id)
    expect(undone).toEqual(['seat 7'])
    expect(state?.status).toBe('failed')
    expect(state?.error).toBe('Error: no')
    // One claim, as before: the settler claims nothing.
    expect(state?.claims.map((c) => `${c.epoch}/${c.node}`)).toEqual(['1/n1'])
    expect(state?.history.filter((e) => e.type === 'failed')).toEqual([
      { type: 'failed', epoch: 1, node: 'n1', seq: 3, error: 'Error: no' },
    ])
    // Settled: nothing left for another pass to write.
    settler.settle(b.state(id) as never, view, false)
    await settle()
    expect(b.state(id)?.history).toHaveLength(state?.history.length as number)
  })
})
