import { describe, expect, it } from 'vitest'
import { type BatchOp, GroupCommitQueue } from '../../store/group-commit.ts'
import { memoryLevel, memoryStore } from '../../store/index.ts'
import { GROUP_OPS_MAX } from '../../store/limits.ts'

const put = (key: string): BatchOp => ({ type: 'put', key, value: new Uint8Array([1]) })

/** A write function that records batches and lets the test decide when each one finishes. */
function controlledWriter() {
  const written: string[][] = []
  const pending: Array<{ keys: string[]; finish: (err?: Error) => void }> = []
  const write = (ops: BatchOp[]) =>
    new Promise<void>((resolve, reject) => {
      const keys = ops.map((op) => op.key)
      pending.push({
        keys,
        finish: (err) => {
          if (err) return reject(err)
          written.push(keys)
          resolve()
        },
      })
    })
  return { written, pending, write }
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve))

describe('GroupCommitQueue', () => {
  it('puts everything added in one tick into one batch', async () => {
    const writer = controlledWriter()
    const queue = new GroupCommitQueue(writer.write)
    const done = ['a', 'b', 'c'].map((key) => queue.add([put(key)], 1))
    await settle()
    expect(writer.pending.map((p) => p.keys)).toEqual([['a', 'b', 'c']])
    writer.pending[0]?.finish()
    await Promise.all(done)
    expect(writer.written).toEqual([['a', 'b', 'c']])
  })

  it('starts a batch only after the one before it is written, collecting meanwhile', async () => {
    const writer = controlledWriter()
    const queue = new GroupCommitQueue(writer.write)
    const first = queue.add([put('a')], 1)
    await settle()
    const later = [queue.add([put('b')], 1)]
    await settle()
    later.push(queue.add([put('c')], 1))
    await settle()
    expect(writer.pending).toHaveLength(1)
    writer.pending[0]?.finish()
    await first
    await settle()
    expect(writer.pending.map((p) => p.keys)).toEqual([['a'], ['b', 'c']])
    writer.pending[1]?.finish()
    await Promise.all(later)
    expect(writer.written).toEqual([['a'], ['b', 'c']])
  })

  it('rejects every promise of a failed batch and goes on with the next', async () => {
    const writer = controlledWriter()
    const queue = new GroupCommitQueue(writer.write)
    const failed = [queue.add([put('a')], 1), queue.add([put('b')], 1)]
    await settle()
    const next = queue.add([put('c')], 1)
    writer.pending[0]?.finish(new Error('disk full'))
    for (const p of failed) await expect(p).rejects.toThrow('disk full')
    await settle()
    writer.pending[1]?.finish()
    await next
    expect(writer.written).toEqual([['c']])
  })

  it('runs a job alone, after earlier writes and before later ones', async () => {
    const order: string[] = []
    const queue = new GroupCommitQueue(async (ops) => {
      order.push(ops.map((op) => op.key).join('+'))
    })
    const all = [
      queue.add([put('a')], 1),
      queue.runAlone(async () => {
        order.push('job')
      }),
      queue.add([put('b')], 1),
    ]
    await Promise.all(all)
    expect(order).toEqual(['a', 'job', 'b'])
  })

  it('splits a burst larger than GROUP_OPS_MAX', async () => {
    const sizes: number[] = []
    const queue = new GroupCommitQueue(async (ops) => {
      sizes.push(ops.length)
    })
    await Promise.all(Array.from({ length: GROUP_OPS_MAX + 10 }, (_, i) => queue.add([put(String(i))], 1)))
    expect(sizes).toEqual([GROUP_OPS_MAX, 10])
  })
})

describe('keyed puts', () => {
  it('keep one put per key per batch, the last one added, encoded when the batch is written', async () => {
    const written: BatchOp[][] = []
    const queue = new GroupCommitQueue(async (ops) => {
      written.push(ops)
    })
    let encoded = 0
    const keyed = (n: number) => ({
      key: 'hw',
      value: () => {
        encoded++
        return new Uint8Array([n])
      },
    })
    await Promise.all([1, 2, 3].map((n) => queue.add([put(`k${n}`)], 1, keyed(n))))
    await queue.add([put('k4')], 1, keyed(4))
    expect(written.map((ops) => ops.map((op) => op.key))).toEqual([
      ['k1', 'k2', 'k3', 'hw'],
      ['k4', 'hw'],
    ])
    expect(written.map((ops) => (ops.at(-1) as { value: Uint8Array }).value[0])).toEqual([3, 4])
    expect(encoded).toBe(2)
  })
})

describe('group commit in the store', () => {
  it('writes 300 appends and a putMeta issued in one tick as one db.batch, with one high-water mark per document', async () => {
    const db = memoryLevel()
    const store = memoryStore({ db })
    await store.open()
    const batchSizes: number[] = []
    const spied = db as unknown as { batch: (ops: BatchOp[], options?: object) => Promise<void> }
    const batch = spied.batch.bind(db)
    spied.batch = (ops, options) => {
      batchSizes.push(ops.length)
      return batch(ops, options)
    }
    const update = { dot: { origin: 'n1', seq: 1 }, update: new Uint8Array([7]) }
    await Promise.all([
      ...Array.from({ length: 300 }, (_, i) => store.append(`doc-${i % 3}`, 'yjs', update)),
      store.putMeta('k', new Uint8Array([1])),
    ])
    // 300 log entries, the metadata value, and one high-water record for each of the 3 documents.
    expect(batchSizes).toEqual([304])
    await store.close()
  })
})
