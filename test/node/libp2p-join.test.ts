/**
 * Joining through one member, over real libp2p: b and c are each given only
 * a's address, learn each other's from a's heartbeats, dial each other, and
 * the three form a full mesh (every view all alive, `replicas: 3` resolves).
 */

import { afterEach, describe, expect, it, vi } from 'vitest'
import type * as Y from 'yjs'
import { address, running, TestNodes } from './harness.ts'

let nodes: TestNodes | undefined

afterEach(async () => {
  await nodes?.close()
  nodes = undefined
})

describe('joining through one member', () => {
  it('b and c find each other through a and form a full mesh', async () => {
    nodes = await TestNodes.create()
    const a = nodes.add('a')
    await nodes.start(a)
    const b = nodes.add('b', { bootstrap: [address(a.node)] })
    const c = nodes.add('c', { bootstrap: [address(a.node)] })
    await nodes.start(b)
    await nodes.start(c)
    const all = [a, b, c].map(running)
    await vi.waitFor(
      () =>
        expect(
          all.every((n) => n.view().reachable.length === 3 && !n.view().partitioned),
          'b and c connected to each other',
        ).toBe(true),
      { timeout: 15_000, interval: 20 },
    )
    const plan = await running(b).doc('plan', { backend: 'yjs' })
    await plan.change((d: Y.Doc) => d.getMap('kv').set('k', 'v'), { replicas: 3, timeoutMs: 10_000 })
    for (const n of all) expect(n.view().members.every((m) => m.status === 'alive')).toBe(true)
  })
})
