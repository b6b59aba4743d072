import { describe, expect, it } from 'vitest'
import { Scheduler } from '../../sim/scheduler.ts'
import { fencedStore } from '../../sim/sim-store.ts'
import { runStoreConformance } from '../../store/conformance.ts'
import { memoryStore } from '../../store/memory-store.ts'

const bytes = (text: string) => new TextEncoder().encode(text)

// The store a simulated node sees: memoryStore behind the crash fence. A restart reopens the same data.
runStoreConformance('simulated (memoryStore behind the crash fence)', async () => {
  const scheduler = new Scheduler()
  const inner = memoryStore()
  let current = fencedStore(inner, scheduler, 'n1', 0)
  return {
    store: current,
    async reopen() {
      await current.close()
      current = fencedStore(inner, scheduler, 'n1', 0)
      return current
    },
    cleanup: () => current.close(),
  }
})

describe('fencedStore', () => {
  it('after a crash, nothing the dead incarnation calls settles', async () => {
    const scheduler = new Scheduler()
    const store = fencedStore(memoryStore(), scheduler, 'n1', 0)
    await store.open()
    void store.crash({ lose: 'none' })
    let settled = false
    const mark = () => {
      settled = true
    }
    store.putMeta('k', bytes('v')).then(mark, mark)
    store.getMeta('k').then(mark, mark)
    await scheduler.runFor(1000)
    expect(settled).toBe(false)
  })

  it('with syncMs, holds writes until the sync event, then writes them in order and acknowledges', async () => {
    const scheduler = new Scheduler()
    const inner = memoryStore()
    const store = fencedStore(inner, scheduler, 'n1', 30)
    await store.open()
    const acked: string[] = []
    for (const v of ['a', 'b', 'c']) void store.putMeta('k', bytes(v)).then(() => acked.push(v))
    await scheduler.runFor(29)
    expect(acked).toEqual([])
    expect(await inner.getMeta('k')).toBeUndefined()
    await scheduler.runFor(1)
    expect(acked).toEqual(['a', 'b', 'c'])
    expect(new TextDecoder().decode(await inner.getMeta('k'))).toBe('c')
  })
})
