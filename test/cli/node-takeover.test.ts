/**
 * Work that survives a SIGKILL, with nothing simulated: three `isthmus node`
 * processes on loopback (libp2p over TCP, LevelDB in temp folders) run
 * `count` tasks (a checkpoint and a durable step per number). The node
 * running one of them, checkpointed part-way, is killed with SIGKILL. Its
 * tasks complete on the others, resuming from the checkpoint (the handler's
 * result says which checkpoint its run started from); the killed node
 * restarts on the same --data folder and port and comes to agree: the same
 * task states, epochs and results on every node.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { NodeProcess, type NodeProcessOptions } from '../../cli/node-process.ts'
import { silentLogger, systemEnv } from '../../src/env/index.ts'

const clock = systemEnv({ log: silentLogger }).clock
const poll = { timeout: 45_000, interval: 50 }
/** Tasks submitted; each counts to `countTo`, `stepMs` per number: long enough to be killed mid-way. */
const tasksSubmitted = 6
const countTo = 30
const stepMs = 100

const running: NodeProcess[] = []
let dir = ''
afterEach(async () => {
  await Promise.all(running.splice(0).map((node) => node.kill()))
  if (dir) await rm(dir, { recursive: true, force: true })
})

async function spawn(options: NodeProcessOptions): Promise<NodeProcess> {
  const node = await NodeProcess.spawn({ heartbeatMs: 100, ...options }, clock)
  running.push(node)
  return node
}

interface Row {
  id: string
  kind: string
  status: string
  owner: string | null
  epoch: number
}

interface Task {
  id: string
  status: string
  owner: string
  epoch: number
  result?: { counted: number; by: string; resumedFrom: { counted: number } | null }
  lastCheckpoint?: { state: { counted: number } }
  history: Array<{ type: string; node?: string; epoch?: number }>
}

const rows = async (node: NodeProcess) => (await node.command('tasks')).tasks as Row[]
const task = async (node: NodeProcess, id: string) => (await node.command(`task ${id}`)).task as Task

describe('isthmus node processes: a task owner killed with SIGKILL', () => {
  it('its tasks complete elsewhere from their checkpoints; restarted, it agrees', async () => {
    dir = await mkdtemp(join(tmpdir(), 'isthmus-takeover-'))
    const listen = '/ip4/127.0.0.1/tcp/0'
    const n1 = await spawn({ listen, data: join(dir, 'n1') })
    const n2 = await spawn({ listen, data: join(dir, 'n2'), peers: n1.addresses })
    const n3 = await spawn({ listen, data: join(dir, 'n3'), peers: [...n1.addresses, ...n2.addresses] })
    const nodes = [n1, n2, n3]
    await vi.waitFor(async () => {
      const views = await Promise.all(nodes.map((n) => n.command('view')))
      expect(views.map((r) => (r.view as { reachable: string[] }).reachable.length)).toEqual([3, 3, 3])
    }, poll)
    for (let i = 0; i < tasksSubmitted; i++)
      await n1.command(`submit count {"to":${countTo},"stepMs":${stepMs},"i":${i}}`)

    // The victim: a node running a task that has checkpointed at least twice.
    let victim: NodeProcess | undefined
    let stranded: string[] = []
    await vi.waitFor(async () => {
      for (const node of nodes) {
        const mine = (await rows(node)).filter((r) => r.owner === node.id && r.status === 'running')
        const details = await Promise.all(mine.map((r) => task(node, r.id)))
        const checkpointed = details.filter((t) => (t.lastCheckpoint?.state.counted ?? 0) >= 2)
        if (checkpointed.length > 0) {
          victim = node
          stranded = checkpointed.map((t) => t.id)
          return
        }
      }
      throw new Error('no running task has checkpointed yet')
    }, poll)
    const killed = victim as NodeProcess
    await killed.kill()
    const survivors = nodes.filter((n) => n !== killed)

    // Every task completes on the survivors; the stranded ones by another node, resumed from a checkpoint.
    await vi.waitFor(async () => {
      for (const node of survivors) {
        const all = await rows(node)
        expect(all).toHaveLength(tasksSubmitted)
        expect(all.every((r) => r.status === 'completed')).toBe(true)
      }
    }, poll)
    for (const id of stranded) {
      const done = await task(survivors[0] as NodeProcess, id)
      expect(done.result?.counted).toBe(countTo)
      expect(done.result?.by).not.toBe(killed.id)
      expect(done.result?.resumedFrom?.counted ?? 0).toBeGreaterThanOrEqual(2)
      expect(done.epoch).toBeGreaterThanOrEqual(2)
      const claimers = done.history.filter((e) => e.type === 'claimed').map((e) => e.node)
      expect(claimers).toContain(killed.id)
    }
    const takeovers = await Promise.all(
      survivors.map(async (n) => {
        const work = ((await n.command('metrics')).metrics as { work: { takeovers: number } }).work
        return work.takeovers
      }),
    )
    expect(takeovers.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(stranded.length)

    // The killed node restarts on its folder and port, and agrees with the others.
    const port = (killed.addresses[0] ?? '').replace(/\/p2p\/[^/]+$/, '')
    const peers = survivors.flatMap((n) => n.addresses)
    const again = await spawn({ listen: port, data: join(dir, `n${nodes.indexOf(killed) + 1}`), peers })
    expect(again.id).toBe(killed.id)
    const everyone = [...survivors, again]
    await vi.waitFor(async () => {
      const tables = await Promise.all(everyone.map(async (n) => JSON.stringify(await rows(n))))
      expect(new Set(tables).size).toBe(1)
      const first = await rows(again)
      for (const r of first) {
        const views = await Promise.all(everyone.map((n) => task(n, r.id)))
        const results = views.map((t) => JSON.stringify([t.status, t.epoch, t.owner, t.result]))
        expect(new Set(results).size).toBe(1)
      }
    }, poll)
    for (const node of everyone) expect(await node.stop()).toBe(0)
    running.splice(0)
  })
})
