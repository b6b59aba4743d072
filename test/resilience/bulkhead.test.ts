/**
 * The bulkhead: its three states, FIFO hand-over of slots, a caller leaving
 * the queue, and (property) never more than maxConcurrent running for
 * arbitrary arrivals and latencies on a virtual clock.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Bulkhead, BulkheadFullError } from '../../src/resilience/index.ts'
import { manualClock } from './manual-clock.ts'
import { recorder } from './recorder.ts'

function deferred() {
  let resolve: (value: string) => void = () => {}
  const promise = new Promise<string>((r) => {
    resolve = r
  })
  return { promise, resolve }
}

describe('bulkhead', () => {
  it('accepting → queueing → full, then refuses with BulkheadFullError and emits reject', async () => {
    const events = recorder()
    const bulkhead = new Bulkhead({ maxConcurrent: 2, maxQueue: 1 }, events)
    const gates = [deferred(), deferred(), deferred()]
    expect(bulkhead.state).toBe('accepting')
    const running = gates.map((g) => bulkhead.execute(() => g.promise))
    expect([bulkhead.running, bulkhead.queued, bulkhead.state]).toEqual([2, 1, 'full'])
    const refused = await bulkhead.execute(async () => 'never').catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(BulkheadFullError)
    expect(refused).toMatchObject({ name: 'BulkheadFullError', maxConcurrent: 2, maxQueue: 1 })
    expect(events.names()).toEqual(['reject'])
    gates[0]?.resolve('a')
    await running[0]
    await Promise.resolve()
    expect([bulkhead.running, bulkhead.queued, bulkhead.state]).toEqual([2, 0, 'queueing'])
    gates[1]?.resolve('b')
    gates[2]?.resolve('c')
    expect(await Promise.all(running)).toEqual(['a', 'b', 'c'])
    expect([bulkhead.running, bulkhead.queued, bulkhead.state]).toEqual([0, 0, 'accepting'])
  })

  it('hands freed slots to the queue in arrival order, and a failure frees its slot too', async () => {
    const bulkhead = new Bulkhead({ maxConcurrent: 1, maxQueue: 3 })
    const started: string[] = []
    const first = deferred()
    const head = bulkhead.execute(() => {
      started.push('head')
      return first.promise.then(() => Promise.reject(new Error('x')))
    })
    const rest = ['a', 'b', 'c'].map((name) =>
      bulkhead.execute(async () => {
        started.push(name)
        return name
      }),
    )
    expect(started).toEqual(['head'])
    first.resolve('')
    await expect(head).rejects.toThrow('x')
    expect(await Promise.all(rest)).toEqual(['a', 'b', 'c'])
    expect(started).toEqual(['head', 'a', 'b', 'c'])
  })

  it('a queued call whose caller aborts leaves the queue and never runs', async () => {
    const bulkhead = new Bulkhead({ maxConcurrent: 1, maxQueue: 2 })
    const gate = deferred()
    const head = bulkhead.execute(() => gate.promise)
    const caller = new AbortController()
    let ran = false
    const leaving = bulkhead
      .execute(async () => {
        ran = true
      }, caller.signal)
      .catch((e: unknown) => e)
    const staying = bulkhead.execute(async () => 'stayed')
    caller.abort(new Error('left'))
    expect(await leaving).toMatchObject({ message: 'left' })
    expect(bulkhead.queued).toBe(1)
    gate.resolve('head')
    expect(await head).toBe('head')
    expect(await staying).toBe('stayed')
    expect(ran).toBe(false)
  })

  it('rejects bad options early', () => {
    expect(() => new Bulkhead({ maxConcurrent: 0 })).toThrow(/maxConcurrent/)
    expect(() => new Bulkhead({ maxConcurrent: 1, maxQueue: -1 })).toThrow(/maxQueue/)
  })

  it('never runs more than maxConcurrent at once, and runs or refuses every call (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 4 }),
        fc.array(
          fc.record({ atMs: fc.integer({ min: 0, max: 100 }), latencyMs: fc.integer({ min: 0, max: 50 }) }),
          {
            maxLength: 40,
          },
        ),
        async (maxConcurrent, maxQueue, calls) => {
          const clock = manualClock()
          const bulkhead = new Bulkhead({ maxConcurrent, maxQueue })
          let running = 0
          let peak = 0
          const outcomes: Promise<string>[] = []
          for (const c of calls)
            clock.setTimer(c.atMs, () => {
              outcomes.push(
                bulkhead
                  .execute(
                    () =>
                      new Promise<string>((resolve) => {
                        running++
                        peak = Math.max(peak, running)
                        expect(running).toBeLessThanOrEqual(maxConcurrent)
                        expect(bulkhead.queued).toBeLessThanOrEqual(maxQueue)
                        clock.setTimer(c.latencyMs, () => {
                          running--
                          resolve('ran')
                        })
                      }),
                  )
                  .catch((e: unknown) => (e instanceof BulkheadFullError ? 'refused' : 'other')),
              )
            })
          while (await clock.next()) {}
          const settled = await Promise.all(outcomes)
          expect(settled).toHaveLength(calls.length)
          expect(settled.every((s) => s === 'ran' || s === 'refused')).toBe(true)
          // Calls arriving into an idle bulkhead always run.
          if (calls.length > 0) expect(settled).toContain('ran')
          expect(peak).toBeLessThanOrEqual(maxConcurrent)
          expect([bulkhead.running, bulkhead.queued]).toEqual([0, 0])
        },
      ),
      { numRuns: 200 },
    )
  })
})
