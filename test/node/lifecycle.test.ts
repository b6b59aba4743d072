/**
 * Start and stop over real libp2p and LevelDB: a start that fails (its
 * listen port taken) releases the store, so a retry in the same process
 * works and keeps the id; stop() closes the store, so it opens again.
 */
import { createServer, type Server } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { levelStore } from '../../store/index.ts'
import { running, TestNodes } from './harness.ts'

let nodes: TestNodes | undefined
let blocker: Server | undefined
afterEach(async () => {
  await nodes?.close()
  nodes = undefined
  await new Promise((resolve) => (blocker ? blocker.close(resolve) : resolve(undefined)))
  blocker = undefined
})

function takePort(): Promise<number> {
  const server = createServer()
  blocker = server
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  )
}

describe('node start and stop', () => {
  it('releases the store when start fails, so a retry in the same process works', async () => {
    nodes = await TestNodes.create()
    const a = nodes.add('a')
    await nodes.start(a)
    const id = running(a).id
    await nodes.stop(a)
    a.listen = `/ip4/127.0.0.1/tcp/${await takePort()}`
    await expect(nodes.start(a)).rejects.toThrow(/EADDRINUSE|failed to be listened on/)
    a.listen = '/ip4/127.0.0.1/tcp/0'
    expect((await nodes.start(a)).id).toBe(id)
  })

  it('closes the store on stop: the folder opens again, with what was written', async () => {
    nodes = await TestNodes.create()
    const a = nodes.add('a')
    await nodes.start(a)
    const plan = await running(a).doc('plan', { backend: 'yjs' })
    await plan.change((ydoc) => ydoc.getMap('goals').set('g1', 'ship'))
    await nodes.stop(a)
    const store = levelStore({ path: a.dir })
    await store.open()
    expect(await store.docs()).toEqual(['plan'])
    await store.close()
  })
})
