/**
 * Isolation (DESIGN §4): a problem with one document is reported on that
 * document and never stops the others from replicating. Regression for
 * issue 7 defect 4: one name opened as Yjs on one side of a split and as
 * Automerge on the other threw inside the loop that pulls documents, and
 * every document after it in that loop never replicated.
 */
import { describe, expect, it } from 'vitest'
import type * as Y from 'yjs'
import { Simulation } from '../../sim/index.ts'
import type { NodeErrorEvent } from '../../src/node/failures.ts'

describe('one document conflicting', () => {
  it('is reported as an error on that document while every other document still converges', async () => {
    const ids = ['n1', 'n2']
    const sim = await Simulation.create({
      seed: 7,
      nodes: ids,
      network: { latencyMs: [1, 10] },
      node: { members: ids },
    })
    await sim.runFor(1_000)
    const errors: NodeErrorEvent[] = []
    for (const id of ids) sim.node(id).on('error', (e) => errors.push(e))
    sim.partition([['n1'], ['n2']])
    await sim.runFor(1_000)
    // "aaa" first, so it leads every vectors frame; then documents that must still replicate.
    const asYjs = await sim.node('n1').doc('aaa', { backend: 'yjs' })
    await asYjs.change((d: Y.Doc) => d.getMap('kv').set('x', '1'))
    const asAutomerge = await sim.node('n2').doc('aaa', { backend: 'automerge' })
    await asAutomerge.change((d) => {
      d.x = '2'
    })
    for (const [id, doc] of [
      ['n1', 'bbb'],
      ['n2', 'ccc'],
    ] as const) {
      const handle = await sim.node(id).doc(doc, { backend: 'yjs' })
      await handle.change((d: Y.Doc) => d.getMap('kv').set('from', id))
    }
    sim.heal()
    await sim.runFor(5_000)
    for (const id of ids) {
      const values = new Map(sim.node(id).documentValues())
      expect(values.get('bbb'), `${id} bbb`).toBe('{"kv":{"from":"n1"}}')
      expect(values.get('ccc'), `${id} ccc`).toBe('{"kv":{"from":"n2"}}')
    }
    expect(errors.length).toBeGreaterThan(0)
    expect(errors.every((e) => e.kind === 'conflict' && e.doc === 'aaa')).toBe(true)
    const docErrors = ids.map((id) => sim.node(id).metrics().docErrors as number)
    expect(docErrors.reduce((a, b) => a + b, 0)).toBe(errors.length)
    await sim.stop()
  })
})
