/**
 * The Replicator one frame at a time (replicator-harness.ts): per-document
 * isolation, refused sends kept and sent again, pulls resent on a timeout
 * tied to the measured round trip, anti-entropy summaries, and whom it
 * believes about holding my dots.
 */
import { describe, expect, it } from 'vitest'
import { ANTI_ENTROPY_INTERVAL_MS_MIN } from '../../src/sync/anti-entropy.ts'
import { PULL_RESENDS_MAX } from '../../src/sync/pulls.ts'
import { RTO_MIN_MS } from '../../src/sync/round-trip.ts'
import { fakeReplica, harness, syncStarts } from './replicator-harness.ts'

describe('Replicator: one document never stops the others', () => {
  it('keeps pulling the documents after one that conflicts, and reports the conflict on that document', async () => {
    const h = harness({ replicas: [fakeReplica('b', 1), fakeReplica('c', 2)], conflicts: ['a'] })
    await h.replicator.onFrame('p', {
      type: 'vectors',
      reply: true,
      docs: [
        { name: 'a', backend: 'yjs', vector: { p: 3 } },
        { name: 'b', backend: 'yjs', vector: { p: 2 } },
        { name: 'c', backend: 'yjs', vector: { p: 1 } },
      ],
    })
    expect(syncStarts(h.sent)).toEqual([
      ['p', 'b', true],
      ['p', 'c', true],
    ])
    expect(h.failures).toHaveLength(1)
    expect(h.failures[0]).toMatchObject({ doc: 'a', peer: 'p', during: 'vectors' })
    expect(h.failures[0]?.error).toMatchObject({ name: 'BackendMismatchError' })
  })

  it('reports a sync or updates frame for a conflicting document instead of throwing', async () => {
    const h = harness({ replicas: [], conflicts: ['a'] })
    await h.replicator.onFrame('p', {
      type: 'updates',
      doc: 'a',
      backend: 'yjs',
      origin: 'p',
      entries: [{ seq: 1, update: new Uint8Array() }],
    })
    await h.replicator.onFrame('p', {
      type: 'sync',
      doc: 'a',
      backend: 'yjs',
      vector: {},
      restart: true,
      payload: new Uint8Array(),
    })
    expect(h.failures.map((f) => f.during)).toEqual(['updates', 'sync'])
  })
})

describe('Replicator: refused sends', () => {
  it('keeps an ack the link refused and sends it on the next tick', async () => {
    const h = harness({ replicas: [fakeReplica('a', 1)] })
    h.refuse.count = 1
    await h.replicator.onFrame('p', {
      type: 'updates',
      doc: 'a',
      backend: 'yjs',
      origin: 'p',
      entries: [{ seq: 1, update: new Uint8Array() }],
    })
    expect(h.sent).toEqual([])
    expect(h.replicator.pendingWork()).toEqual(['1 acks owed to p'])
    h.replicator.tick()
    await h.settle()
    expect(h.sent.map((s) => s.frame)).toEqual([{ type: 'ack', doc: 'a', origin: 'p', seqs: [1] }])
    expect(h.replicator.pendingWork()).toEqual([])
  })

  it('sends again every sync start a full link refused (a join with many documents)', async () => {
    const names = Array.from({ length: 50 }, (_, i) => `d${i}`)
    const h = harness({ replicas: names.map((n, i) => fakeReplica(n, i)) })
    h.refuse.count = 40
    await h.replicator.onFrame('p', {
      type: 'vectors',
      reply: true,
      docs: names.map((name) => ({ name, backend: 'yjs', vector: { p: 1 } })),
    })
    expect(syncStarts(h.sent)).toHaveLength(10)
    h.replicator.tick()
    await h.settle()
    expect(new Set(syncStarts(h.sent).map(([, doc]) => doc))).toEqual(new Set(names))
  })
})

describe('Replicator: pulls resent on the measured round trip', () => {
  it('restarts a silent pull after SRTT + 4 RTTVAR (floored), doubling, then gives it up', async () => {
    const h = harness({ replicas: [fakeReplica('a', 1)] })
    h.replicator.requestVectors('p', true)
    h.clock.advance(20) // the reply comes back after 20 ms: SRTT 20, RTTVAR 10, RTO 60
    await h.replicator.onFrame('p', {
      type: 'vectors',
      reply: true,
      docs: [{ name: 'a', backend: 'yjs', vector: { p: 1 } }],
    })
    expect(h.replicator.rttMs('p')).toBe(20)
    expect(syncStarts(h.sent)).toHaveLength(1)
    h.clock.advance(20 + 59)
    expect(syncStarts(h.sent)).toHaveLength(1)
    h.clock.advance(20 + 60)
    await h.settle()
    expect(syncStarts(h.sent)).toHaveLength(2)
    expect(h.replicator.pendingWork()).toEqual(['a: pull from p (attempt 2)'])
    // Backoff: 120, 240, ... ms; after PULL_RESENDS_MAX restarts the pull is given up.
    for (let i = 0; i < 20; i++) {
      h.clock.advance(h.clock.nowMs + 5_000)
      await h.settle()
    }
    expect(syncStarts(h.sent)).toHaveLength(1 + PULL_RESENDS_MAX)
    expect(h.metrics.pullsAbandoned).toBe(1)
    expect(h.replicator.pendingWork()).toEqual([])
    expect(RTO_MIN_MS).toBeLessThanOrEqual(60)
  })
})

describe('Replicator: a peer that never answers', () => {
  it('loses the pull of a document to another peer once it missed a timeout', async () => {
    const h = harness({ replicas: [fakeReplica('a', 1)], peers: ['liar', 'q'] })
    const claim = (peer: string) =>
      h.replicator.onFrame(peer, {
        type: 'vectors',
        reply: true,
        docs: [{ name: 'a', backend: 'yjs', vector: { x: 9 } }],
      })
    await claim('liar')
    await claim('q') // the liar's pull is young: no second pull
    expect(syncStarts(h.sent).map(([peer]) => peer)).toEqual(['liar'])
    h.clock.advance(1_000) // the liar missed its timeout (resent once)
    await h.settle()
    await claim('q')
    expect(syncStarts(h.sent).map(([peer]) => peer)).toEqual(['liar', 'liar', 'q'])
    expect(h.replicator.pendingWork()).toEqual(['a: pull from q (attempt 1)'])
  })
})

describe('Replicator: anti-entropy', () => {
  it('sends its summaries on a content mismatch that holds still, at most once per interval', () => {
    const a = fakeReplica('a', 1)
    a.backend.change((d) => d.getMap('m').set('k', 1))
    const h = harness({ replicas: [a], peers: ['z'] })
    const ours = 7
    const seen = () => h.replicator.heartbeatSeen('z', { vectors: ours, content: 1234 }, ours, 500)
    seen()
    expect(h.sent).toEqual([])
    seen() // the same mismatch twice: stable
    const summaries = h.sent.filter((s) => s.frame.type === 'summaries')
    expect(summaries).toHaveLength(1)
    expect(summaries[0]?.frame).toMatchObject({ from: '', to: '', docs: [{ name: 'a', backend: 'yjs' }] })
    seen()
    expect(h.sent.filter((s) => s.frame.type === 'summaries')).toHaveLength(1)
    h.clock.advance(ANTI_ENTROPY_INTERVAL_MS_MIN)
    seen()
    expect(h.sent.filter((s) => s.frame.type === 'summaries')).toHaveLength(2)
  })

  it('syncs exactly the documents whose summaries differ, or that one side lacks', async () => {
    const same = fakeReplica('same', 1)
    const differs = fakeReplica('differs', 2)
    const onlyHere = fakeReplica('only-here', 3)
    for (const r of [same, differs, onlyHere]) r.backend.change((d) => d.getMap('m').set('k', r.name))
    const h = harness({ replicas: [same, differs, onlyHere] })
    const twin = fakeReplica('same', 9)
    twin.backend.applyUpdate(same.backend.snapshot())
    const { ContentDigests } = await import('../../src/sync/anti-entropy.ts')
    const hash = new ContentDigests().hashOf(twin as never) as number
    await h.replicator.onFrame('p', {
      type: 'summaries',
      from: '',
      to: '',
      docs: [
        { name: 'differs', backend: 'yjs', hash: 1 },
        { name: 'only-there', backend: 'yjs', hash: 2 },
        { name: 'same', backend: 'yjs', hash },
      ],
    })
    expect(new Set(syncStarts(h.sent).map(([, doc]) => doc))).toEqual(
      new Set(['differs', 'only-there', 'only-here']),
    )
  })
})

describe('Replicator: whom it believes about holding my dots', () => {
  it('counts an ack only for a dot it sent that peer, and nothing from a peer that acked a seq never issued', async () => {
    const a = fakeReplica('a', 1, { self: 2 })
    const h = harness({ replicas: [a], peers: ['p', 'q', 'liar'] })
    h.replicator.localDurable(a as never, { origin: 'self', seq: 2 }, new Uint8Array([1]))
    await h.settle()
    await h.replicator.onFrame('p', { type: 'ack', doc: 'a', origin: 'self', seqs: [1, 2] })
    await h.replicator.onFrame('liar', { type: 'ack', doc: 'a', origin: 'self', seqs: [2, 3] })
    await h.replicator.onFrame('liar', { type: 'ack', doc: 'a', origin: 'self', seqs: [2] })
    expect(a.held).toEqual([{ peer: 'p', seqs: [2] }])
    expect(h.metrics.falseClaims).toBe(1)
  })

  it('believes a vector only up to what it sent that peer, and no inflated one', async () => {
    const a = fakeReplica('a', 1, { self: 5 })
    const h = harness({ replicas: [a], peers: ['p', 'q'] })
    h.replicator.localDurable(a as never, { origin: 'self', seq: 3 }, new Uint8Array([1]))
    await h.settle()
    const vectors = (v: Record<string, number>) => ({
      type: 'vectors' as const,
      reply: true,
      docs: [{ name: 'a', backend: 'yjs', vector: v }],
    })
    await h.replicator.onFrame('p', vectors({ self: 5 })) // sent it only up to 3
    await h.replicator.onFrame('q', vectors({ self: 9 })) // more than I ever issued
    await h.replicator.onFrame('q', vectors({ self: 3 }))
    expect(a.held).toEqual([{ peer: 'p', seqs: [3] }])
    // A claim beyond what I issued is reported: my lost state must not be issued again.
    expect(a.observed).toEqual([9])
  })
})
