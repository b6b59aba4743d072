import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { SimulationLimitError } from '../../sim/errors.ts'
import { EventQueue, type SimEvent } from '../../sim/event-queue.ts'

function event(timeMs: number, seq: number, sub = 0): SimEvent {
  return { timeMs, seq, sub, kind: 'timer', node: undefined, canceled: false, run: () => false }
}

describe('EventQueue', () => {
  it('pops events in (time, seq, sub) order, whatever order they were pushed in', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.nat(3)), { maxLength: 300 }),
        (items) => {
          const queue = new EventQueue()
          items.forEach(([timeMs, sub], seq) => {
            queue.push(event(timeMs, seq, sub))
          })
          const popped: SimEvent[] = []
          for (let e = queue.pop(); e !== undefined; e = queue.pop()) popped.push(e)
          const key = (e: SimEvent) => [e.timeMs, e.seq, e.sub]
          const sorted = [...popped].sort((a, b) => a.timeMs - b.timeMs || a.seq - b.seq || a.sub - b.sub)
          expect(popped.map(key)).toEqual(sorted.map(key))
          expect(popped.length).toBe(items.length)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('interleaves pushes and pops and still pops the earliest each time', () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(fc.integer({ min: 0, max: 100 }), { freq: 3 }), { maxLength: 200 }),
        (ops) => {
          const queue = new EventQueue()
          const model: SimEvent[] = []
          ops.forEach((op, seq) => {
            if (op === null) {
              model.sort((a, b) => a.timeMs - b.timeMs || a.seq - b.seq)
              expect(queue.pop()).toBe(model.shift())
            } else {
              const e = event(op, seq)
              queue.push(e)
              model.push(e)
            }
            expect(queue.size).toBe(model.length)
          })
        },
      ),
    )
  })

  it('fails loudly past its bound', () => {
    const queue = new EventQueue(3)
    for (let i = 0; i < 3; i++) queue.push(event(i, i))
    expect(() => queue.push(event(9, 9))).toThrow(SimulationLimitError)
    expect(() => queue.push(event(9, 9))).toThrow(/eventsQueuedMax/)
  })
})
