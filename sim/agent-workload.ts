/**
 * The write workload real nodes run in the simulator: `write` operations
 * drawn from the seed (or given in a scenario file), each writing a key and a
 * value unique to it, so a later write can never mask a lost one. A write
 * that resolves goes into the simulation's ledger (`sim.writes`); one asked
 * with `replicas: k` is checked the moment it resolves.
 */
import type * as Y from 'yjs'
import type { BackendName } from '../crdt/backend.ts'
import { seededRandom } from '../src/env/seeded-random.ts'
import type { AgentNode } from '../src/node/agent-node.ts'
import { checkReplicasAtAck } from './agent-invariants.ts'
import { ScenarioError } from './errors.ts'
import type { Simulation } from './simulation.ts'
import { applySubmit, parseSubmitArgs } from './task-workload.ts'
import type { WorkloadOp } from './workload.ts'
import type { AckedWrite } from './write-ledger.ts'

/** A write: set `key` in document `doc` (Yjs: in the root map "kv"; Automerge: at the root). */
export interface WriteArgs {
  doc: string
  backend: BackendName
  /** A label; the key written is `${key}/${id}`, id unique in the run. */
  key: string
  /** A label; the value written is `${value}/${id}`. */
  value: string
  /** Ask for this many durable holders before acknowledging. */
  replicas?: number
  /** With `replicas`: how long to wait. Default 5000 ms. */
  timeoutMs?: number
}

/** The operations real nodes understand: writes here, task submissions in task-workload.ts. */
export const AGENT_OPS = ['write', 'submit'] as const

/** Writes acknowledged so far (kept for callers that pass their own list; the ledger has them all). */
export type AckedWrites = AckedWrite[]

/** The largest `replicas` a write may ask: a node count bound (see node-ids.ts). */
const replicasMax = 1000

/** Validates a `write`'s args at parse time; `field` names them in errors (e.g. `workload[3].args`). */
export function parseWriteArgs(value: unknown, field: string): WriteArgs {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ScenarioError(field, 'expected { doc, backend, key, value, replicas? }')
  const a = value as Record<string, unknown>
  for (const key of Object.keys(a)) {
    if (!['doc', 'backend', 'key', 'value', 'replicas', 'timeoutMs'].includes(key))
      throw new ScenarioError(`${field}.${key}`, 'unknown field')
  }
  if (typeof a.doc !== 'string' || a.doc.length === 0)
    throw new ScenarioError(`${field}.doc`, 'expected a document name')
  if (a.backend !== 'yjs' && a.backend !== 'automerge')
    throw new ScenarioError(`${field}.backend`, 'expected "yjs" or "automerge"')
  if (typeof a.key !== 'string') throw new ScenarioError(`${field}.key`, 'expected a string')
  if (typeof a.value !== 'string') throw new ScenarioError(`${field}.value`, 'expected a string')
  if (a.replicas !== undefined && !(Number.isInteger(a.replicas) && (a.replicas as number) >= 1))
    throw new ScenarioError(`${field}.replicas`, 'expected an integer ≥ 1')
  if ((a.replicas as number) > replicasMax)
    throw new ScenarioError(`${field}.replicas`, `at most ${replicasMax}`)
  if (a.timeoutMs !== undefined && !(typeof a.timeoutMs === 'number' && a.timeoutMs > 0))
    throw new ScenarioError(`${field}.timeoutMs`, 'expected a number > 0')
  return a as unknown as WriteArgs
}

/** Validates an operation's args by its name (`field` names them in errors). */
export function parseAgentOpArgs(op: string, value: unknown, field: string): void {
  if (op === 'submit') parseSubmitArgs(value, field)
  else parseWriteArgs(value, field)
}

/**
 * Applies real nodes' operations through the node's public API: `write`
 * here, `submit` through task-workload.ts (so every caller of this function,
 * the CLI's protocol included, runs task workloads too). Each write's key
 * and value carry an id unique in the run; once its promise resolves it goes
 * into `sim.writes` (and `acked`, if given), and a `replicas: k` write is
 * checked right then: k running nodes must hold its value.
 */
export function applyWrite(acked?: AckedWrites) {
  return async (node: AgentNode, op: WorkloadOp, sim: Simulation<AgentNode>): Promise<void> => {
    if (op.op === 'submit') return applySubmit(node, op, sim)
    if (op.op !== 'write') throw new ScenarioError('op', `unknown operation ${JSON.stringify(op.op)}`)
    const w = op.args as WriteArgs
    const id = sim.writes.nextId(node.id)
    const key = `${w.key}/${id}`
    const value = `${w.value}/${id}`
    const issuedAtMs = sim.nowMs
    const handle = await node.doc(w.doc, { backend: w.backend })
    const options = w.replicas ? { replicas: w.replicas, timeoutMs: w.timeoutMs ?? 5_000 } : {}
    if (w.backend === 'yjs') {
      await handle.change((d) => (d as Y.Doc).getMap('kv').set(key, value), options)
    } else {
      await handle.change((d) => {
        ;(d as Record<string, string>)[key] = value
      }, options)
    }
    const write: AckedWrite = {
      node: node.id,
      doc: w.doc,
      backend: w.backend,
      key,
      value,
      issuedAtMs,
      atMs: sim.nowMs,
    }
    if (w.replicas !== undefined) write.replicas = w.replicas
    sim.writes.ack(write)
    acked?.push(write)
    if (w.replicas !== undefined && w.replicas > 1) checkReplicasAtAck(sim, write)
  }
}

/** The documents a workload touches. */
export function docsOf(ops: readonly WorkloadOp[]): Map<string, BackendName> {
  const docs = new Map<string, BackendName>()
  for (const op of ops)
    if (op.op === 'write') docs.set((op.args as WriteArgs).doc, (op.args as WriteArgs).backend)
  return docs
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
