/**
 * The allowlist with real nodes: a node not on the others' allowlist can
 * neither connect to them nor get their documents, though it knows their
 * addresses and keeps dialing; the listed nodes replicate as usual.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { address, docsOf, HEARTBEAT_MS, running, TestNodes } from './harness.ts'

let nodes: TestNodes | undefined
afterEach(async () => {
  await nodes?.close()
  nodes = undefined
})

describe('allowlist with real nodes', () => {
  it('keeps a node that is not on the allowlist out: no connection, no documents', async () => {
    nodes = await TestNodes.create()
    const a = nodes.add('a')
    const b = nodes.add('b')
    const stranger = nodes.add('stranger')
    // First start: each node mints its key pair (its id); the allowlists name those ids.
    for (const entry of [a, b, stranger]) await nodes.start(entry)
    const ids = { a: running(a).id, b: running(b).id, stranger: running(stranger).id }
    for (const entry of [a, b, stranger]) await nodes.stop(entry)

    a.allow = [ids.b]
    b.allow = [ids.a]
    await nodes.start(a)
    b.bootstrap = [address(a.node)]
    await nodes.start(b)
    stranger.bootstrap = [address(a.node), address(b.node)]
    await nodes.start(stranger)
    expect(running(stranger).id).toBe(ids.stranger)

    const plan = await running(a).doc('plan', { backend: 'yjs' })
    await plan.change((ydoc) => ydoc.getMap('goals').set('secret', 'for b only'), { replicas: 2 })
    const own = await running(stranger).doc('mine', { backend: 'yjs' })
    await own.change((ydoc) => ydoc.getMap('m').set('k', 'v'))
    // Fifteen heartbeat rounds between a and b (counted, not slept): long enough for several redials of both addresses.
    const framesIn = (entry: typeof a) => running(entry).metrics().framesIn as number
    const [aFrom, bFrom] = [framesIn(a), framesIn(b)]
    await vi.waitFor(
      () => {
        expect(framesIn(a) - aFrom, 'frames a heard since').toBeGreaterThanOrEqual(15)
        expect(framesIn(b) - bFrom, 'frames b heard since').toBeGreaterThanOrEqual(15)
      },
      { timeout: HEARTBEAT_MS * 150, interval: HEARTBEAT_MS },
    )

    expect(docsOf(running(b))).toEqual({ plan: { goals: { secret: 'for b only' } } })
    expect(docsOf(running(stranger))).toEqual({ mine: { m: { k: 'v' } } })
    expect(Object.keys(docsOf(running(a)))).toEqual(['plan'])
    for (const entry of [a, b]) {
      const node = running(entry)
      expect(node.view().members.map((m) => m.id)).not.toContain(ids.stranger)
      expect(node.metrics().bytesIn).toBeGreaterThan(0)
    }
    expect(running(stranger).view().members).toEqual([])
    expect(running(stranger).metrics()).toMatchObject({ bytesIn: 0, framesIn: 0 })
  })
})
