/**
 * Real isthmus nodes in the simulator: the node factory, the write workload
 * and the invariants that check what DESIGN.md §4 promises (convergence of
 * every document byte for byte, no lost acknowledged write, equal version
 * vectors at the end). The CLI, `npm start` and the tests all use these.
 */
import type { BackendName } from '../crdt/backend.ts'
import { seededRandom } from '../src/env/seeded-random.ts'
import type { AgentNode } from '../src/node/agent-node.ts'
import { createNode } from '../src/node/create-node.ts'
import type { NodeOptions } from '../src/node/options.ts'
import { canonicalVector } from '../src/sync/version-vector.ts'
import type { Invariant } from './checkers.ts'
import type { SimNodeFactory } from './node-host.ts'
import type { Simulation } from './simulation.ts'
import type { WorkloadOp } from './workload.ts'

/** Options for every simulated node: createNode's, minus what the simulator supplies. */
export type AgentSimOptions = Omit<NodeOptions, 'env' | 'transport' | 'store'>

/** Builds each node incarnation with createNode over the simulator's Env, Transport and Store. */
export const agentNodeFactory: SimNodeFactory<AgentNode, AgentSimOptions> = async (ctx) =>
  createNode({ ...ctx.options, env: ctx.env, transport: ctx.transport, store: ctx.store })

/** A write: set `key` to `value` in document `doc`. Yjs writes into the root map "kv"; Automerge at the root. */
export interface WriteArgs {
  doc: string
  backend: BackendName
  key: string
  value: string
  /** Ask for this many durable holders before acknowledging. */
  replicas?: number
}

/** Writes acknowledged so far: the no-lost-write invariant checks them all at the end. */
export type AckedWrites = Array<WriteArgs & { node: string; atMs: number }>

/** Applies `write` operations, recording each once its promise resolved. */
export function applyWrite(acked: AckedWrites) {
  return async (node: AgentNode, op: WorkloadOp, sim: Simulation<AgentNode>): Promise<void> => {
    if (op.op !== 'write') throw new TypeError(`unknown op ${op.op}`)
    const w = op.args as WriteArgs
    const handle = await node.doc(w.doc, { backend: w.backend })
    const options = w.replicas ? { replicas: w.replicas, timeoutMs: 5_000 } : {}
    if (w.backend === 'yjs') {
      await handle.change((d) => (d as import('yjs').Doc).getMap('kv').set(w.key, w.value), options)
    } else {
      await handle.change((d) => {
        ;(d as Record<string, string>)[w.key] = w.value
      }, options)
    }
    acked.push({ ...w, node: node.id, atMs: sim.nowMs })
  }
}

/** The documents a workload touches. */
export function docsOf(ops: readonly WorkloadOp[]): Map<string, BackendName> {
  const docs = new Map<string, BackendName>()
  for (const op of ops)
    if (op.op === 'write') docs.set((op.args as WriteArgs).doc, (op.args as WriteArgs).backend)
  return docs
}

/**
 * At quiescence: every running node holds every document with the same
 * value, every acknowledged write is in it, and all version vectors agree.
 */
export function agentInvariants(acked: AckedWrites): Array<Invariant<Simulation<AgentNode>>> {
  return [
    {
      name: 'doc-convergence',
      atQuiescence(sim) {
        const problems: string[] = []
        for (const [name, byNode] of readAll(sim)) {
          const distinct = new Set(byNode.values())
          if (distinct.size > 1)
            problems.push(`${name} differs: ${[...byNode].map(([n, v]) => `${n}=${v}`).join(' ')}`)
        }
        return problems
      },
    },
    {
      name: 'no-lost-write',
      atQuiescence(sim) {
        const problems: string[] = []
        // Each node's value of each document parsed once, not once per write: the liveness
        // phase asks this every 100 ms, and a run acknowledges hundreds of writes.
        const parsed = new Map<string, Array<[string, ParsedDoc]>>()
        for (const [doc, byNode] of readAll(sim)) {
          parsed.set(
            doc,
            [...byNode].map(([id, value]) => [id, (value === MISSING ? {} : JSON.parse(value)) as ParsedDoc]),
          )
        }
        for (const w of acked) {
          for (const [id, value] of parsed.get(w.doc) ?? []) {
            const held =
              w.backend === 'yjs' ? (value.kv as Record<string, string> | undefined)?.[w.key] : value[w.key]
            if (held === undefined)
              problems.push(`${id} lost ${w.doc}.${w.key} (acked by ${w.node} at ${w.atMs} ms)`)
          }
        }
        return problems.slice(0, 20)
      },
    },
    {
      name: 'vectors-equal',
      atQuiescence(sim) {
        const vectors = sim
          .running()
          .map(({ id, node }) => `${id}=${JSON.stringify(canonicalVector(node.versionVector()))}`)
        const distinct = new Set(vectors.map((v) => v.slice(v.indexOf('=') + 1)))
        return distinct.size <= 1 ? undefined : `version vectors differ: ${vectors.join(' ')}`
      },
    },
    {
      // Healed and quiet, every node must see every running node alive: not partitioned, a majority.
      name: 'views-healed',
      atQuiescence(sim) {
        const running = sim
          .running()
          .map(({ id }) => id)
          .sort()
        const problems: string[] = []
        for (const { id, node } of sim.running()) {
          const view = node.view()
          if (view.partitioned || !view.majority || view.reachable.join() !== running.join()) {
            problems.push(
              `${id} sees reachable=[${view.reachable}] partitioned=${view.partitioned} majority=${view.majority}`,
            )
          }
        }
        return problems
      },
    },
  ]
}

/** A document's canonical value, parsed: Yjs writes sit under "kv", Automerge ones at the root. */
type ParsedDoc = Record<string, Record<string, string> | string>

/** Stands for a document a node does not hold at all. */
const MISSING = '<missing>'

/** Every document's canonical value on every running node (only documents the node holds). */
function readAll(sim: Simulation<AgentNode>): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>()
  for (const { id, node } of sim.running()) {
    for (const [name, value] of node.documentValues()) {
      let byNode = out.get(name)
      if (!byNode) {
        byNode = new Map()
        out.set(name, byNode)
      }
      byNode.set(id, value)
    }
  }
  // A document some node lacks entirely is a divergence too.
  const running = sim.running().map(({ id }) => id)
  for (const byNode of out.values()) for (const id of running) if (!byNode.has(id)) byNode.set(id, MISSING)
  return out
}

/** A write workload drawn from the seed: one write every ~`everyMs` on a random node, over two documents (one per backend). */
export function writesFromSeed(
  seed: number,
  ids: readonly string[],
  durationMs: number,
  everyMs = 150,
): WorkloadOp[] {
  const random = seededRandom(seed).fork('workload')
  const ops: WorkloadOp[] = []
  let n = 0
  for (
    let atMs = Math.floor(random.next() * everyMs);
    atMs < durationMs;
    atMs += 1 + Math.floor(random.next() * everyMs * 2)
  ) {
    const backend: BackendName = random.next() < 0.5 ? 'yjs' : 'automerge'
    const node = ids[Math.floor(random.next() * ids.length)] as string
    const args: WriteArgs = {
      doc: backend === 'yjs' ? 'plan' : 'notes',
      backend,
      key: `k${n}`,
      value: node,
      // Every fifth write also waits for a second durable copy.
      ...(n++ % 5 === 4 ? { replicas: 2 } : {}),
    }
    ops.push({ atMs, node, op: 'write', args })
  }
  return ops
}
