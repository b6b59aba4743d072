/**
 * The script `isthmus cluster` plays on N real node processes on loopback:
 * start them as a mesh, write through every node, cut the last one off
 * (SIGKILL, then back up behind an allowlist of only itself), write on both
 * sides, heal it (restart with its peers) and time how long until every node
 * holds identical values. Every acknowledged write must then be on every node.
 */
import { join } from 'node:path'
import type { Clock } from '../src/env/types.ts'
import { getOrCreate } from '../src/get-or-create.ts'
import { NodeProcess, type NodeProcessOptions } from './node-process.ts'

/** Between two polls of the nodes' state: small, since it bounds the precision of the heal time. */
const POLL_MS = 25

/** Between two writes on one side of the cut: a steady trickle, not a flood, so figures compare. */
const CUT_WRITE_EVERY_MS = 20

/** The documents written: one per backend, so both sync protocols heal. */
export const CLUSTER_DOCS = { yjs: 'cluster-yjs', automerge: 'cluster-automerge' } as const

export interface ClusterOptions {
  nodes: number
  durationMs: number
  writesPerNode: number
  heartbeatMs: number
  timeoutMs: number
  dir: string
}

export interface ClusterFigures {
  nodes: Array<{ name: string; id: string; address: string }>
  heartbeatMs: number
  writesBeforeCut: number
  replicateMs: number
  cut: { victim: string; ms: number; writesOthers: number; writesCutOff: number; victimSeenAs: string }
  /**
   * Heal figures. Bytes are the healed node's frame bytes from its restart to
   * convergence: all it exchanged with the others (deltas, sync, heartbeats),
   * none of the traffic among the others, which the heal does not cause.
   */
  heal: { convergedMs: number | null; bytesToHealed: number; bytesFromHealed: number }
  acknowledged: number
  missing: number
  cleanStops: boolean
  converged: boolean
}

/** Where the script reports its progress (a status line on a terminal). */
export type Report = (phase: string) => void

interface Member {
  name: string
  data: string
  listen: string
  process: NodeProcess | undefined
}

/** The nodes of one run and the writes acknowledged so far (doc → key → value). */
export class LoopbackCluster {
  readonly members: Member[]
  readonly acked = new Map<string, Map<string, number>>()
  readonly #clock: Clock
  readonly #heartbeatMs: number

  constructor(options: ClusterOptions, clock: Clock) {
    this.#clock = clock
    this.#heartbeatMs = options.heartbeatMs
    this.members = Array.from({ length: options.nodes }, (_, i) => ({
      name: `n${i + 1}`,
      data: join(options.dir, `n${i + 1}`),
      listen: '/ip4/127.0.0.1/tcp/0',
      process: undefined,
    }))
  }

  running(): NodeProcess[] {
    return this.members.flatMap((m) => (m.process ? [m.process] : []))
  }

  /** Starts a member; it keeps its port across restarts, so peers' redials find it again. */
  async start(member: Member, extra: Pick<NodeProcessOptions, 'peers' | 'allow'>): Promise<NodeProcess> {
    const node = await NodeProcess.spawn(
      { listen: member.listen, data: member.data, heartbeatMs: this.#heartbeatMs, ...extra },
      this.#clock,
    )
    member.process = node
    member.listen = (node.addresses[0] ?? member.listen).replace(/\/p2p\/[^/]+$/, '')
    return node
  }

  /** Writes `key` through `node` and remembers it once acknowledged. */
  async write(node: NodeProcess, backend: 'yjs' | 'automerge', key: string, value: number): Promise<void> {
    const doc = CLUSTER_DOCS[backend]
    await node.command(`${backend === 'yjs' ? 'write' : 'write-automerge'} ${doc} ${key} ${value}`)
    getOrCreate(this.acked, doc, () => new Map<string, number>()).set(key, value)
  }

  /** Every node's documents as text; identical texts mean identical values. */
  async documents(): Promise<string[]> {
    const replies = await Promise.all(this.running().map((n) => n.command('docs')))
    return replies.map((r) => JSON.stringify(r.docs))
  }

  /** Acknowledged writes absent from `docsText` (one node's `docs` answer). */
  missingIn(docsText: string): number {
    const docs = JSON.parse(docsText) as Record<string, Record<string, unknown>>
    let missing = 0
    for (const [doc, keys] of this.acked) {
      const value = docs[doc] ?? {}
      // Yjs keys live in the map "data", Automerge keys in the root map (see `isthmus node --help`).
      const held = (doc === CLUSTER_DOCS.yjs ? (value.data ?? {}) : value) as Record<string, unknown>
      for (const [key, v] of keys) if (held[key] !== v) missing++
    }
    return missing
  }

  async stopAll(): Promise<boolean> {
    const codes = await Promise.all(this.running().map((n) => n.stop()))
    for (const m of this.members) m.process = undefined
    return codes.every((code) => code === 0)
  }

  /** Kills whatever still runs (after a failure). */
  async killAll(): Promise<void> {
    await Promise.all(this.running().map((n) => n.kill()))
    for (const m of this.members) m.process = undefined
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.#clock.setTimer(ms, resolve))
  }

  /** Polls `done` until it holds; rejects naming `what` after `timeoutMs`. */
  async until(what: string, timeoutMs: number, done: () => Promise<boolean>): Promise<number> {
    const startMs = this.#clock.now()
    while (!(await done())) {
      if (this.#clock.now() - startMs > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms: ${what}`)
      await this.sleep(POLL_MS)
    }
    return this.#clock.now() - startMs
  }

  now(): number {
    return this.#clock.now()
  }
}

/** Runs the whole script; the caller stops (or kills) what is left running. */
export async function playScript(
  cluster: LoopbackCluster,
  options: ClusterOptions,
  report: Report,
): Promise<ClusterFigures> {
  const members = cluster.members
  const victim = members.at(-1) as Member
  const others = members.slice(0, -1)
  report(`starting ${members.length} nodes`)
  for (const [i, member] of members.entries()) {
    const peers = members.slice(0, i).flatMap((m) => m.process?.addresses ?? [])
    await cluster.start(member, { peers })
  }
  const nodes = members.map((m) => ({ name: m.name, id: id(m), address: m.process?.addresses[0] ?? '' }))
  report('waiting until every node sees every other alive')
  await cluster.until('a full mesh', options.timeoutMs, async () => {
    const views = await Promise.all(cluster.running().map((n) => n.command('view')))
    return views.every((r) => (r.view as { reachable: string[] }).reachable.length === members.length)
  })
  const { writes: writesBeforeCut, replicateMs } = await writeEverywhere(cluster, options, report)
  const cut = await cutOff(cluster, options, victim, others, report)
  const heal = await healAndMeasure(cluster, options, victim, others, report)
  const texts = await cluster.documents()
  const missing = Math.max(...texts.map((t) => cluster.missingIn(t)))
  const acknowledged = [...cluster.acked.values()].reduce((n, keys) => n + keys.size, 0)
  report('stopping the nodes')
  const cleanStops = await cluster.stopAll()
  return {
    nodes,
    heartbeatMs: options.heartbeatMs,
    writesBeforeCut,
    replicateMs,
    cut,
    heal,
    acknowledged,
    missing,
    cleanStops,
    converged: heal.convergedMs !== null && missing === 0,
  }
}

async function writeEverywhere(cluster: LoopbackCluster, options: ClusterOptions, report: Report) {
  const first = cluster.running()[0] as NodeProcess
  // Each document is created on one node and reaches every node before the others write to it.
  report('creating the documents')
  await cluster.write(first, 'yjs', 'created-by-n1', 0)
  await cluster.write(first, 'automerge', 'created-by-n1', 0)
  await cluster.until('the documents reaching every node', options.timeoutMs, () => identical(cluster))
  report(`writing ${options.writesPerNode} times through each node`)
  const startMs = cluster.now()
  let writes = 0
  for (let w = 0; w < options.writesPerNode; w++) {
    for (const member of cluster.members) {
      await cluster.write(
        member.process as NodeProcess,
        w % 2 === 0 ? 'yjs' : 'automerge',
        `${member.name}-${w}`,
        w,
      )
      writes++
    }
  }
  await cluster.until('the writes reaching every node', options.timeoutMs, () => identical(cluster))
  return { writes, replicateMs: cluster.now() - startMs }
}

async function cutOff(
  cluster: LoopbackCluster,
  options: ClusterOptions,
  victim: Member,
  others: Member[],
  report: Report,
): Promise<ClusterFigures['cut']> {
  const victimId = id(victim)
  report(`cutting ${victim.name} off: SIGKILL, back up with an allowlist of only itself`)
  await victim.process?.kill()
  const isolated = await cluster.start(victim, { allow: [victimId] })
  const startMs = cluster.now()
  let writesOthers = 0
  let writesCutOff = 0
  for (let i = 0; cluster.now() - startMs < options.durationMs; i++) {
    report(`cut: ${writesOthers} writes on the other side, ${writesCutOff} on ${victim.name}`)
    const writer = others[i % others.length]?.process as NodeProcess
    const backend = i % 2 === 0 ? 'yjs' : 'automerge'
    await cluster.write(writer, backend, `cut-${others[i % others.length]?.name}-${i}`, i)
    writesOthers++
    await cluster.write(isolated, backend, `cut-${victim.name}-${i}`, i)
    writesCutOff++
    await cluster.sleep(CUT_WRITE_EVERY_MS)
  }
  const view = (await others[0]?.process?.command('view'))?.view as {
    members: Array<{ id: string; status: string }>
  }
  const victimSeenAs = view.members.find((m) => m.id === victimId)?.status ?? 'unknown'
  return { victim: victim.name, ms: cluster.now() - startMs, writesOthers, writesCutOff, victimSeenAs }
}

async function healAndMeasure(
  cluster: LoopbackCluster,
  options: ClusterOptions,
  victim: Member,
  others: Member[],
  report: Report,
): Promise<ClusterFigures['heal']> {
  report(`healing: restarting ${victim.name} with its peers`)
  await victim.process?.stop()
  const peers = others.flatMap((m) => m.process?.addresses ?? [])
  const healed = await cluster.start(victim, { peers })
  const healedAtMs = cluster.now()
  let convergedMs: number | null = null
  try {
    await cluster.until('identical values on every node', options.timeoutMs, async () => {
      report(`healing: waiting for identical values (${cluster.now() - healedAtMs} ms)`)
      return identical(cluster)
    })
    convergedMs = cluster.now() - healedAtMs
  } catch {
    convergedMs = null
  }
  const metrics = (await healed.command('metrics')).metrics as { bytesIn: number; bytesOut: number }
  return { convergedMs, bytesToHealed: metrics.bytesIn, bytesFromHealed: metrics.bytesOut }
}

async function identical(cluster: LoopbackCluster): Promise<boolean> {
  const texts = await cluster.documents()
  return texts.every((t) => t === texts[0])
}

function id(member: Member): string {
  if (!member.process) throw new Error(`${member.name} is not running`)
  return member.process.id
}
