/**
 * The board's representation under merges: two replicas of the board
 * document take random events (the same idempotency key submitted on both,
 * concurrent claims, results) and exchange Yjs updates at random points.
 * After a full exchange both derive the same state for every task, and no
 * event written on either side is missing: a merge never drops a claim or a
 * result.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import type { DocHandle } from '../../src/docs/doc-handle.ts'
import { silentLogger } from '../../src/env/index.ts'
import { TaskBoard } from '../../src/work/task-board.ts'
import { eventId, type TaskEvent, taskIdOfKey } from '../../src/work/task-events.ts'
import { laterEvent, submitted } from './task-arbitraries.ts'

const params = { seed: 1013, numRuns: 150 }
const tasks = [taskIdOfKey('a'), taskIdOfKey('b')]

/** A board over a bare Y.Doc (what TaskBoard uses of a DocHandle: ydoc and change). */
function replica(clientId: number) {
  const ydoc = new Y.Doc()
  ydoc.clientID = clientId
  const handle = { ydoc, change: async (fn: (d: Y.Doc) => void) => ydoc.transact(() => fn(ydoc)) }
  return { ydoc, board: new TaskBoard(handle as unknown as DocHandle<Y.Doc>, silentLogger) }
}

const op = fc.oneof(
  fc.record({
    side: fc.constantFrom(0, 1),
    task: fc.constantFrom(0, 1),
    event: fc.oneof(submitted, laterEvent, laterEvent),
  }),
  fc.constant('sync' as const),
)

function sync(a: Y.Doc, b: Y.Doc): void {
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)))
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)))
}

describe('board merges', () => {
  it('converge to the same derived state and keep every event but a duplicate submission', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 30 }), async (ops) => {
        const a = replica(1)
        const b = replica(2)
        const sides = [a, b]
        const written: Array<{ task: string; event: TaskEvent }> = []
        for (const o of ops) {
          if (o === 'sync') {
            sync(a.ydoc, b.ydoc)
            continue
          }
          const task = tasks[o.task] as string
          const event = o.event.type === 'submitted' ? { ...o.event, id: task } : o.event
          await (sides[o.side] ?? a).board.write(task, [event])
          written.push({ task, event })
        }
        sync(a.ydoc, b.ydoc)
        expect([...b.board.states()].sort((x, y) => (x.id < y.id ? -1 : 1))).toEqual(
          [...a.board.states()].sort((x, y) => (x.id < y.id ? -1 : 1)),
        )
        for (const { task, event } of written) {
          expect(a.board.has(task, eventId(JSON.parse(JSON.stringify(event))))).toBe(true)
          const state = a.board.state(task)
          if (event.type === 'claimed' && state) expect(state.claims).toContainEqual(event)
          if (event.type === 'completed' && state) {
            const kept =
              state.duplicates.some((d) => d.epoch === event.epoch && d.node === event.node) ||
              (state.status === 'completed' && state.epoch === event.epoch && state.owner === event.node)
            expect(kept).toBe(true)
          }
        }
      }),
      params,
    )
  })
})
