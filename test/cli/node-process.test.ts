/**
 * `isthmus node` as real processes on loopback, driven through its stdin
 * line protocol: three nodes, one killed with SIGKILL in the middle of its
 * writes, writes on the others, the killed one restarted on the same data
 * folder catching up from its store and its peers; clean stops (exit 0,
 * store closed); `/metrics` over HTTP.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { NodeProcess, type NodeProcessOptions } from '../../cli/node-process.ts'
import { silentLogger, systemEnv } from '../../src/env/index.ts'
import { levelStore } from '../../store/index.ts'

const clock = systemEnv({ log: silentLogger }).clock
const heartbeatMs = 100
/**
 * Writes sent at once to the node that gets killed; it is killed as soon as it
 * has acknowledged `ackedBeforeKill` of them, so most are still in flight.
 */
const writesToVictim = 500
const ackedBeforeKill = 5

const running: NodeProcess[] = []
let dir = ''
afterEach(async () => {
  await Promise.all(running.splice(0).map((node) => node.kill()))
  if (dir) await rm(dir, { recursive: true, force: true })
})

async function spawnNode(options: NodeProcessOptions): Promise<NodeProcess> {
  const node = await NodeProcess.spawn({ heartbeatMs, ...options }, clock)
  running.push(node)
  return node
}

function portOf(node: NodeProcess): string {
  return (node.addresses[0] ?? '').replace(/\/p2p\/[^/]+$/, '')
}

async function docs(node: NodeProcess): Promise<string> {
  return JSON.stringify((await node.command('docs')).docs)
}

/** How long the nodes get to reach a state over loopback (a mesh, equal documents). */
const settleMsMax = 20_000
const poll = { timeout: settleMsMax, interval: 25 }

describe('isthmus node processes', () => {
  it('a node killed with SIGKILL mid-writes restarts on its data folder and catches up', async () => {
    dir = await mkdtemp(join(tmpdir(), 'isthmus-node-cli-'))
    const n1 = await spawnNode({ listen: '/ip4/127.0.0.1/tcp/0', data: join(dir, 'n1'), metricsPort: 0 })
    const n2 = await spawnNode({ listen: '/ip4/127.0.0.1/tcp/0', data: join(dir, 'n2'), peers: n1.addresses })
    const n3Options = {
      listen: '/ip4/127.0.0.1/tcp/0',
      data: join(dir, 'n3'),
      peers: [...n1.addresses, ...n2.addresses],
    }
    const n3 = await spawnNode(n3Options)
    // A full mesh: every node reaches the other two and itself.
    await vi.waitFor(async () => {
      const views = await Promise.all([n1, n2, n3].map((n) => n.command('view')))
      expect(views.map((r) => (r.view as { reachable: string[] }).reachable.length)).toEqual([3, 3, 3])
    }, poll)
    await n1.command('write plan created-by n1')
    await n1.command('write-automerge notes created-by n1')

    // Mid-writes: many writes in flight to n3, killed once a few are acknowledged.
    const ackedOnN3: string[] = []
    const inFlight = Array.from({ length: writesToVictim }, (_, i) =>
      n3.request(`write plan n3-${i} ${i}`).then(
        (reply) => {
          if (reply.ok) ackedOnN3.push(`n3-${i}`)
          if (ackedOnN3.length === ackedBeforeKill) n3.child.kill('SIGKILL')
        },
        () => undefined, // killed before it answered: not acknowledged, may or may not survive
      ),
    )
    await Promise.all(inFlight)
    await n3.exited
    expect(ackedOnN3.length).toBeLessThan(writesToVictim)
    for (let i = 0; i < 5; i++) {
      await n1.command(`write plan n1-${i} ${i}`)
      await n2.command(`write-automerge notes n2-${i} "while n3 is down"`)
    }

    const n3Again = await spawnNode({ ...n3Options, listen: portOf(n3) })
    expect(n3Again.id).toBe(n3.id)
    await vi.waitFor(async () => {
      const [a, b, c] = await Promise.all([n1, n2, n3Again].map(docs))
      expect([b, c]).toEqual([a, a])
    }, poll)
    const final = (await n3Again.command('docs')).docs as {
      plan: { data: Record<string, unknown> }
      notes: Record<string, unknown>
    }
    for (const key of ackedOnN3) expect(final.plan.data).toHaveProperty(key)
    for (let i = 0; i < 5; i++) {
      expect(final.plan.data[`n1-${i}`]).toBe(i)
      expect(final.notes[`n2-${i}`]).toBe('while n3 is down')
    }

    // Prometheus text at /metrics.
    const scraped = await (await fetch(n1.metricsUrl as string)).text()
    expect(scraped).toContain(`isthmus_bytes_in_total{node="${n1.id}"}`)
    expect(scraped).toContain(`isthmus_phi{peer="${n3.id}",node="${n1.id}"}`)

    // Clean stops: exit 0, and the store is closed (its lock released: it opens again).
    for (const node of [n1, n2, n3Again]) expect(await node.stop()).toBe(0)
    running.splice(0)
    const store = levelStore({ path: n3Options.data })
    await store.open()
    expect((await store.docs()).sort()).toEqual(['notes', 'plan'])
    await store.close()
  })
})
