/**
 * Metrics of real nodes: the plain object of `node.metrics()`, the
 * Prometheus text of a per-node prom-client Registry (never the global
 * one), replication lag while a peer is away, and `/metrics` over HTTP.
 */
import { register as globalRegistry } from 'prom-client'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { PeerLag } from '../../src/node/metrics.ts'
import { startMetricsServer } from '../../src/node/metrics-server.ts'
import { running, type TestNode, TestNodes } from './harness.ts'

let nodes: TestNodes | undefined
afterEach(async () => {
  await nodes?.close()
  nodes = undefined
})

async function mesh(): Promise<TestNode[]> {
  nodes = await TestNodes.create()
  return nodes.mesh()
}

function lagOf(viewer: TestNode, peer: string): PeerLag | undefined {
  return (running(viewer).metrics().replicationLag as Record<string, PeerLag>)[peer]
}

describe('node metrics', () => {
  it('counts traffic, phi and replication lag per peer, and renders them per node', async () => {
    const [a, b, c] = await mesh()
    if (!a || !b || !c || !nodes) throw new Error('mesh')
    const ids = [a, b, c].map((entry) => running(entry).id)
    const [aId, bId, cId] = ids as [string, string, string]
    const plan = await running(a).doc('plan', { backend: 'yjs' })
    await plan.change((ydoc) => ydoc.getMap('goals').set('g1', 'ship'), { replicas: 3 })
    await vi.waitFor(
      () =>
        expect(lagOf(a, bId)?.dots === 0 && lagOf(a, cId)?.dots === 0, 'no lag from a to b or c').toBe(true),
      { timeout: 15_000, interval: 20 },
    )

    const metrics = running(a).metrics()
    expect(metrics).toMatchObject({ docs: 1, framesDropped: {}, suspicions: 0 })
    expect(metrics.bytesIn).toBeGreaterThan(0)
    expect(metrics.bytesOut).toBeGreaterThan(0)
    expect(Object.keys(metrics.phi as object).sort()).toEqual([bId, cId].sort())
    expect(metrics.transportFramesDropped).toMatchObject({ malformedIn: 0, oversizeIn: 0 })

    const text = await running(a).metricsText()
    expect(text).toContain('# TYPE isthmus_bytes_in_total counter')
    expect(text).toMatch(new RegExp(`isthmus_bytes_out_total\\{node="${aId}"\\} [1-9]`))
    expect(text).toContain(`isthmus_phi{peer="${bId}",node="${aId}"}`)
    expect(text).toContain(`isthmus_replication_lag_dots{peer="${cId}",node="${aId}"} 0`)
    expect(text).toContain(`isthmus_members{status="alive",node="${aId}"} 3`)
    // Each node its own registry: a's text speaks only of a; the global registry holds none of it.
    expect(text).not.toContain(`node="${bId}"`)
    expect(await running(b).metricsText()).toContain(`node="${bId}"`)
    expect(await globalRegistry.metrics()).not.toContain('isthmus_')

    await nodes.stop(c)
    for (let i = 0; i < 3; i++) await plan.change((ydoc) => ydoc.getMap('goals').set(`g${i + 2}`, i))
    await vi.waitFor(
      () =>
        expect(lagOf(a, cId)?.dots === 3 && (lagOf(a, cId)?.ms ?? 0) > 0, 'c lagging by 3 batches').toBe(
          true,
        ),
      { timeout: 15_000, interval: 20 },
    )
    // b catches up within a heartbeat (lag is measured from heartbeats); c stays behind.
    await vi.waitFor(() => expect(lagOf(a, bId)?.dots === 0, 'b caught up').toBe(true), {
      timeout: 15_000,
      interval: 20,
    })
    expect(lagOf(a, cId)?.dots).toBe(3)
    await vi.waitFor(
      () => expect((running(a).metrics().suspicions as number) >= 1, 'a counts a suspicion of c').toBe(true),
      { timeout: 15_000, interval: 20 },
    )
    expect(await running(a).metricsText()).toMatch(
      new RegExp(`isthmus_replication_lag_dots\\{peer="${cId}",node="${aId}"\\} 3`),
    )
  })

  it('serves /metrics over HTTP, and nothing else', async () => {
    const [a] = await mesh()
    if (!a) throw new Error('mesh')
    const node = running(a)
    const server = await startMetricsServer(node, { port: 0 })
    try {
      expect(server.url).toBe(`http://127.0.0.1:${server.port}/metrics`)
      const response = await fetch(server.url)
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toContain('text/plain')
      const body = await response.text()
      expect(body).toContain(`isthmus_frames_in_total{node="${node.id}"}`)
      expect(body).toContain('isthmus_sync_rounds_total')
      expect((await fetch(server.url.replace('/metrics', '/'))).status).toBe(404)
      expect((await fetch(server.url, { method: 'POST' })).status).toBe(405)
    } finally {
      await server.close()
    }
  })
})
