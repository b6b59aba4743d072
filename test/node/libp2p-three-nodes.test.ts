/**
 * Three real nodes in one process: createNode over libp2p (TCP on
 * 127.0.0.1) with LevelDB stores in temp folders. Replication with both
 * backends, `replicas: k` acknowledgements and their timeout, restart from
 * the data folder, membership views, and diverged/converged around a cut.
 */

import { afterEach, describe, expect, it, vi } from 'vitest'
import type * as Y from 'yjs'
import { ReplicationTimeoutError } from '../../src/errors.ts'
import type { NodeEvents } from '../../src/node/agent-node.ts'
import { docsOf, identical, running, type TestNode, TestNodes, valuesOf } from './harness.ts'

let nodes: TestNodes | undefined
afterEach(async () => {
  await nodes?.close()
  nodes = undefined
})

async function mesh(): Promise<TestNode[]> {
  nodes = await TestNodes.create()
  return nodes.mesh()
}

function statusOf(viewer: TestNode, id: string): string | undefined {
  return running(viewer)
    .view()
    .members.find((m) => m.id === id)?.status
}

describe('three libp2p nodes in one process', () => {
  it('replicate writes made on each node, with both backends, to every node', async () => {
    const [a, b, c] = (await mesh()).map(running)
    if (!a || !b || !c) throw new Error('mesh')
    const plan = await a.doc('plan', { backend: 'yjs' })
    await plan.change((ydoc) => ydoc.getMap('goals').set('from-a', 'ship'))
    const notes = await b.doc('notes', { backend: 'automerge' })
    await notes.change((d) => {
      d.items = ['from-b']
    })
    // c writes to both documents as soon as they reach it (each keyed at the root: no conflicting inits).
    await vi.waitFor(() => expect(c.documentValues().length === 2, 'c holds both documents').toBe(true), {
      timeout: 15_000,
      interval: 20,
    })
    const planOnC = await c.doc('plan', { backend: 'yjs' })
    await planOnC.change((ydoc: Y.Doc) => ydoc.getMap('goals').set('from-c', 'test'))
    const notesOnC = await c.doc('notes', { backend: 'automerge' })
    await notesOnC.change((d) => {
      d.fromC = true
    })
    await vi.waitFor(
      () =>
        expect(identical([a, b, c]) && 'fromC' in (docsOf(a).notes as object), 'identical replicas').toBe(
          true,
        ),
      { timeout: 15_000, interval: 20 },
    )
    expect(plan.value()).toEqual({ goals: { 'from-a': 'ship', 'from-c': 'test' } })
    expect(notes.value()).toEqual({ items: ['from-b'], fromC: true })
    // Full replication: a never opened "notes", yet holds it, byte for byte.
    expect(valuesOf(a)).toBe(valuesOf(b))
    expect(Object.keys(docsOf(a)).sort()).toEqual(['notes', 'plan'])
  })

  it('resolves replicas: 3 once all three hold the change durably', async () => {
    const [a, b, c] = (await mesh()).map(running)
    if (!a || !b || !c) throw new Error('mesh')
    const plan = await a.doc('plan', { backend: 'yjs' })
    await plan.change((ydoc) => ydoc.getMap('goals').set('g1', 'ship'), { replicas: 3, timeoutMs: 5000 })
    for (const node of [b, c]) expect(docsOf(node)).toMatchObject({ plan: { goals: { g1: 'ship' } } })
    const notes = await b.doc('notes', { backend: 'automerge' })
    await notes.change((d) => (d.n = 1), { replicas: 3, timeoutMs: 5000 })
    for (const node of [a, c]) expect(docsOf(node)).toMatchObject({ notes: { n: 1 } })
  })

  it('rejects replicas: 3 with ReplicationTimeoutError after timeoutMs when a node is stopped', async () => {
    const [a, b, c] = await mesh()
    if (!a || !b || !c || !nodes) throw new Error('mesh')
    await nodes.stop(c)
    const plan = await running(a).doc('plan', { backend: 'yjs' })
    // The rejection must come from the write's own 1,000 ms timer on the node's clock, not
    // before it fires: note each 1,000 ms timer that fires, and whether the write had settled then.
    const clock = running(a).env.clock
    const setTimer = clock.setTimer.bind(clock)
    const settledWhenTimersFired: boolean[] = []
    let settled = false
    const spy = vi.spyOn(clock, 'setTimer').mockImplementation((ms, fn) =>
      setTimer(ms, () => {
        if (ms === 1000) settledWhenTimersFired.push(settled)
        fn()
      }),
    )
    const error = await plan
      .change((ydoc) => ydoc.getMap('goals').set('g1', 'ship'), { replicas: 3, timeoutMs: 1000 })
      .catch((e: unknown) => e)
      .finally(() => {
        settled = true
      })
    spy.mockRestore()
    expect(error).toBeInstanceOf(ReplicationTimeoutError)
    expect(error).toMatchObject({ name: 'ReplicationTimeoutError', held: 2, wanted: 3 })
    expect((error as Error).message).toContain('after 1000 ms')
    expect(settledWhenTimersFired).toContain(false)
    // The write itself is not undone: it is durable here and reached b.
    await plan.change((ydoc) => ydoc.getMap('goals').set('g2', 'two'), { replicas: 2, timeoutMs: 5000 })
    expect(docsOf(running(b))).toMatchObject({ plan: { goals: { g1: 'ship', g2: 'two' } } })
  })

  it('restarts a node from its data folder with the same id, and it catches up', async () => {
    const [a, b, c] = await mesh()
    if (!a || !b || !c || !nodes) throw new Error('mesh')
    const idBefore = running(c).id
    const planOnC = await running(c).doc('plan', { backend: 'yjs' })
    await planOnC.change((ydoc) => ydoc.getMap('goals').set('before', 'stop'), { replicas: 3 })
    await nodes.stop(c)
    const plan = await running(a).doc('plan', { backend: 'yjs' })
    await plan.change((ydoc) => ydoc.getMap('goals').set('while', 'stopped'))
    const notes = await running(b).doc('notes', { backend: 'automerge' })
    await notes.change((d) => (d.written = 'while c was stopped'))
    const restarted = await nodes.start(c)
    expect(restarted.id).toBe(idBefore)
    await vi.waitFor(() => expect(identical([running(a), running(b), restarted]), 'c caught up').toBe(true), {
      timeout: 15_000,
      interval: 20,
    })
    expect(docsOf(restarted)).toEqual({
      plan: { goals: { before: 'stop', while: 'stopped' } },
      notes: { written: 'while c was stopped' },
    })
  })

  it('shows every node alive in view(), then the stopped one not alive', async () => {
    const [a, b, c] = await mesh()
    if (!a || !b || !c || !nodes) throw new Error('mesh')
    for (const viewer of [a, b, c]) {
      expect(running(viewer).view()).toMatchObject({ partitioned: false, majority: true })
      expect(running(viewer).view().reachable).toHaveLength(3)
    }
    const cId = running(c).id
    await nodes.stop(c)
    await vi.waitFor(
      () =>
        expect(statusOf(a, cId) !== 'alive' && statusOf(b, cId) !== 'alive', 'a and b see c gone').toBe(true),
      { timeout: 15_000, interval: 20 },
    )
    const view = running(a).view()
    expect(view).toMatchObject({ partitioned: true, majority: true })
    expect(view.reachable.sort()).toEqual([running(a).id, running(b).id].sort())
    await vi.waitFor(
      () => expect(statusOf(a, cId) === 'dead', 'a sees c dead (nobody reaches it)').toBe(true),
      { timeout: 15_000, interval: 20 },
    )
  })

  it('emits diverged, then converged, when a node cut off and written on both sides rejoins', async () => {
    const [a, b, c] = await mesh()
    if (!a || !b || !c || !nodes) throw new Error('mesh')
    const cId = running(c).id
    const plan = await running(a).doc('plan', { backend: 'yjs' })
    await plan.change((ydoc) => ydoc.getMap('goals').set('shared', 1), { replicas: 3 })
    // The cut: c comes back alone (nobody on its allowlist but itself, nobody to dial).
    await nodes.stop(c)
    const bootstrap = c.bootstrap
    c.bootstrap = []
    c.allow = [cId]
    const alone = await nodes.start(c)
    const planOnC = await alone.doc('plan', { backend: 'yjs' })
    await planOnC.change((ydoc) => ydoc.getMap('goals').set('on-c', 'cut side'))
    await plan.change((ydoc) => ydoc.getMap('goals').set('on-a', 'majority side'))
    await nodes.stop(c)
    const events: Array<{ event: keyof NodeEvents; peer: string; detail?: unknown }> = []
    running(a).on('diverged', (e) => events.push({ event: 'diverged', peer: e.peer, detail: e }))
    running(a).on('converged', (e) => events.push({ event: 'converged', peer: e.peer }))
    // The heal: c rejoins with its peers.
    c.bootstrap = bootstrap
    c.allow = undefined
    const rejoined = await nodes.start(c)
    await vi.waitFor(
      () =>
        expect(
          events.some((e) => e.event === 'converged' && e.peer === cId),
          'a announces c converged',
        ).toBe(true),
      { timeout: 15_000, interval: 20 },
    )
    const diverged = events.find((e) => e.event === 'diverged' && e.peer === cId)
    expect(diverged?.detail).toMatchObject({
      missingHere: { [cId]: 1 },
      missingThere: { [running(a).id]: 1 },
    })
    expect(events.findIndex((e) => e.event === 'diverged')).toBeLessThan(
      events.findIndex((e) => e.event === 'converged'),
    )
    await vi.waitFor(
      () => expect(identical([running(a), running(b), rejoined]), 'identical replicas').toBe(true),
      { timeout: 15_000, interval: 20 },
    )
    expect(plan.value()).toEqual({ goals: { shared: 1, 'on-c': 'cut side', 'on-a': 'majority side' } })
  })
})
