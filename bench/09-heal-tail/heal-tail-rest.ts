/**
 * #9's anti-entropy at rest: N real isthmus nodes in the simulator hold D
 * idle documents, all converged, and nobody writes. Every frame a node's
 * transport accepts is counted by type (heartbeats, vectors, summaries, sync,
 * updates, acks) and by directed link over a long window of virtual time
 * once the cluster has settled. The same run with no documents is the
 * heartbeat floor, so what the documents and anti-entropy add is visible.
 *
 * The documents are made through the public API (`node.doc` + `change`), one
 * write each on a node taken in turn, half Yjs and half Automerge, and
 * replicate to every node (full replication) before the window opens.
 */
import type * as Y from 'yjs'
import type { BackendName } from '../../crdt/backend.ts'
import { type AgentSimOptions, agentNodeFactory } from '../../sim/agent-nodes.ts'
import type { SimNodeFactory } from '../../sim/node-host.ts'
import { Simulation } from '../../sim/simulation.ts'
import type { AgentNode } from '../../src/node/agent-node.ts'
import { decodeFrame, type Frame } from '../../src/node/frames.ts'
import type { Transport } from '../../transport/transport.ts'
import { TAIL_HEARTBEAT_MS, tailNetwork } from './heal-tail-run.ts'

export type RestFrameType = Frame['type']
export const REST_FRAME_TYPES: readonly RestFrameType[] = [
  'heartbeat',
  'vectors',
  'summaries',
  'sync',
  'updates',
  'ack',
]

/** Bytes and frames sent, by type, and bytes by directed link ("from>to"). */
export interface RestTally {
  bytes: Record<RestFrameType, number>
  frames: Record<RestFrameType, number>
  links: Map<string, number>
}

function emptyTally(): RestTally {
  const zeros = () => Object.fromEntries(REST_FRAME_TYPES.map((t) => [t, 0])) as Record<RestFrameType, number>
  return { bytes: zeros(), frames: zeros(), links: new Map() }
}

function copyTally(t: RestTally): RestTally {
  return { bytes: { ...t.bytes }, frames: { ...t.frames }, links: new Map(t.links) }
}

function minus(later: RestTally, earlier: RestTally): RestTally {
  const out = emptyTally()
  for (const t of REST_FRAME_TYPES) {
    out.bytes[t] = later.bytes[t] - earlier.bytes[t]
    out.frames[t] = later.frames[t] - earlier.frames[t]
  }
  for (const [link, bytes] of later.links) out.links.set(link, bytes - (earlier.links.get(link) ?? 0))
  return out
}

/** Counts every frame each node's transport accepts. */
class LinkTally {
  readonly tally = emptyTally()

  #add(from: string, to: string, frame: Uint8Array): void {
    const type = decodeFrame(frame).type
    this.tally.bytes[type] += frame.length
    this.tally.frames[type]++
    const link = `${from}>${to}`
    this.tally.links.set(link, (this.tally.links.get(link) ?? 0) + frame.length)
  }

  #wrap(from: string, inner: Transport): Transport {
    return {
      start: (ctx) => inner.start(ctx),
      stop: () => inner.stop(),
      send: (peer, frame) => {
        const sent = inner.send(peer, frame)
        if (sent) this.#add(from, peer, frame)
        return sent
      },
      connected: () => inner.connected(),
      addresses: () => inner.addresses(),
      dial: (address) => inner.dial(address),
    }
  }

  factory(): SimNodeFactory<AgentNode, AgentSimOptions> {
    return (ctx) => agentNodeFactory({ ...ctx, transport: this.#wrap(ctx.id, ctx.transport) })
  }
}

export interface RestCase {
  nodes: number
  documents: number
  /** Virtual ms measured once settled. */
  windowMs: number
}

export interface RestRun {
  tally: RestTally
  windowMs: number
  /** Documents every node held when the window opened (min over nodes). */
  documentsHeldMin: number
  /** Virtual ms from the last write until settled. */
  settleMs: number
  settled: boolean
  wallMs: number
}

/** Documents written per burst, and the virtual ms between bursts. */
const BURST = 50
const BURST_GAP_MS = 100
/** Virtual ms run after settling before the window opens (anti-entropy pacers, trailing acks). */
const AFTER_SETTLE_MS = 10_000
const SETTLE_MS_MAX = 600_000

function docName(i: number): string {
  return `idle-${String(i).padStart(4, '0')}`
}

async function writeDoc(node: AgentNode, name: string, backend: BackendName): Promise<void> {
  const handle = await node.doc(name, { backend })
  if (backend === 'yjs') await handle.change((d) => void (d as Y.Doc).getMap('kv').set('k', name))
  else
    await handle.change((d) => {
      ;(d as Record<string, string>).k = name
    })
}

/** Builds the cluster, writes the documents, settles, then counts `windowMs` of idle traffic. */
export async function runRest(c: RestCase, seed: number): Promise<RestRun> {
  const startWallMs = performance.now()
  const ids = Array.from({ length: c.nodes }, (_, i) => `n${i + 1}`)
  const links = new LinkTally()
  const sim = await Simulation.create<AgentNode, AgentSimOptions>({
    seed,
    nodes: ids,
    network: tailNetwork,
    node: { heartbeatMs: TAIL_HEARTBEAT_MS, members: ids },
    createNode: links.factory(),
    trace: { timers: false },
  })
  await sim.runFor(2_000)
  for (let start = 0; start < c.documents; start += BURST) {
    const writes: Promise<void>[] = []
    for (let i = start; i < Math.min(c.documents, start + BURST); i++) {
      const backend: BackendName = i % 2 === 0 ? 'yjs' : 'automerge'
      writes.push(writeDoc(sim.node(ids[i % ids.length] as string), docName(i), backend))
    }
    await sim.until(Promise.all(writes))
    await sim.runFor(BURST_GAP_MS)
  }
  const lastWriteMs = sim.nowMs
  const { quiet } = await sim.runUntilQuiet({ maxMs: SETTLE_MS_MAX })
  const settleMs = sim.nowMs - lastWriteMs
  await sim.runFor(AFTER_SETTLE_MS)
  const documentsHeldMin = Math.min(...ids.map((id) => sim.node(id).documentValues().length))
  const before = copyTally(links.tally)
  const openedMs = sim.nowMs
  await sim.runFor(c.windowMs)
  const tally = minus(links.tally, before)
  const windowMs = sim.nowMs - openedMs
  await sim.stop()
  return {
    tally,
    windowMs,
    documentsHeldMin,
    settleMs,
    settled: quiet,
    wallMs: performance.now() - startWallMs,
  }
}
