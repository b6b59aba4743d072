/**
 * The invariants of DESIGN.md §4 over real nodes, which `sim.check()`
 * includes by default when the simulation hosts them:
 *
 *   doc-convergence     every running node holds every document, with the same canonical value;
 *   vectors-equal       every running node has the same version vector, overall and per document;
 *   no-lost-write       every acknowledged write's unique value is on every running node;
 *   replicas-durable    a `replicas: k` write, when it resolves, is held by k running nodes
 *                       (checked at that moment, see `checkReplicasAtAck`).
 *
 * `views-healed` (every node sees every running node, not partitioned, a
 * majority) is added by runScenario's liveness phase: membership takes its
 * own time to heal and is not part of a plain `check()`.
 */
import { canonicalVector } from '../src/sync/version-vector.ts'
import { type AgentLike, isAgentLike } from './agent-nodes.ts'
import type { Invariant } from './checkers.ts'
import type { AckedWrite } from './write-ledger.ts'

/** What these invariants read from a simulation (a `Simulation` hosting real nodes). */
export interface AgentSimView {
  running(): Array<{ id: string; node: unknown }>
  status(id: string): string
  readonly writes: { readonly acked: readonly AckedWrite[] }
  readonly nowMs: number
  readonly checkers: { report(invariant: string, detail: string, atMs: number): void }
}

/** Problems one invariant reports at once: the first ones explain a failure. */
const detailsMax = 20

/** Stands for a document a node does not hold at all. */
const MISSING = '<missing>'

function agents(sim: AgentSimView): Array<{ id: string; node: AgentLike }> {
  return sim.running().filter((r): r is { id: string; node: AgentLike } => isAgentLike(r.node))
}

/** Every document's canonical value on every running node; a document some node lacks is MISSING there. */
export function readAll(sim: AgentSimView): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>()
  const nodes = agents(sim)
  for (const { id, node } of nodes) {
    for (const [name, value] of node.documentValues()) {
      let byNode = out.get(name)
      if (byNode === undefined) {
        byNode = new Map()
        out.set(name, byNode)
      }
      byNode.set(id, value)
    }
  }
  for (const byNode of out.values()) for (const { id } of nodes) if (!byNode.has(id)) byNode.set(id, MISSING)
  return out
}

/** A document's value, parsed: Yjs writes sit under "kv", Automerge ones at the root. */
type ParsedDoc = Record<string, unknown>

/** Whether `doc` (parsed) holds `write`'s unique value under its unique key. */
export function holdsWrite(doc: ParsedDoc | undefined, write: AckedWrite): boolean {
  if (doc === undefined) return false
  const map = write.backend === 'yjs' ? (doc.kv as Record<string, unknown> | undefined) : doc
  return map?.[write.key] === write.value
}

function parse(value: string | undefined): ParsedDoc | undefined {
  return value === undefined || value === MISSING ? undefined : (JSON.parse(value) as ParsedDoc)
}

/** `doc-convergence`: at quiescence every running node holds every document, with the same canonical value. */
export function docConvergence(): Invariant<AgentSimView> {
  return {
    name: 'doc-convergence',
    atQuiescence(sim) {
      const problems: string[] = []
      for (const [name, byNode] of readAll(sim)) {
        if (new Set(byNode.values()).size > 1)
          problems.push(`${name} differs: ${[...byNode].map(([n, v]) => `${n}=${v}`).join(' ')}`)
      }
      return problems.slice(0, detailsMax)
    },
  }
}

/** `vectors-equal`: at quiescence every running node has the same version vector, overall and per document. */
export function vectorsEqual(): Invariant<AgentSimView> {
  return {
    name: 'vectors-equal',
    atQuiescence(sim) {
      const nodes = agents(sim)
      const text = (node: AgentLike) => {
        const perDoc = (node as { documentVectors?: () => Array<[string, Record<string, number>]> })
          .documentVectors?.()
          .map(([doc, v]) => [doc, canonicalVector(v)] as const)
          .filter(([, v]) => Object.keys(v).length > 0)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        return JSON.stringify([canonicalVector(node.versionVector()), perDoc ?? null])
      }
      const vectors = nodes.map(({ id, node }) => [id, text(node)] as const)
      if (new Set(vectors.map(([, v]) => v)).size <= 1) return undefined
      return `version vectors differ: ${vectors.map(([id, v]) => `${id}=${v}`).join(' ')}`
    },
  }
}

/**
 * Every acknowledged write is on every running node, found by its unique
 * value. A write whose acknowledging node is down now is skipped until it is
 * back (it may be the only holder, and not lost): runScenario's liveness
 * phase restarts every node, so there it is checked everywhere.
 */
export function noLostWrite(source?: readonly AckedWrite[]): Invariant<AgentSimView> {
  return {
    name: 'no-lost-write',
    atQuiescence(sim) {
      const parsed = new Map<string, Array<[string, ParsedDoc | undefined]>>()
      for (const [doc, byNode] of readAll(sim))
        parsed.set(
          doc,
          [...byNode].map(([id, value]) => [id, parse(value)]),
        )
      const problems: string[] = []
      const running = new Set(agents(sim).map(({ id }) => id))
      for (const w of source ?? sim.writes.acked) {
        if (!running.has(w.node)) continue
        const copies = parsed.get(w.doc) ?? [[w.node, undefined]]
        for (const [id, doc] of copies) {
          if (!holdsWrite(doc, w))
            problems.push(`${id} lacks ${w.doc} ${w.key}=${w.value} (acked by ${w.node} at ${w.atMs} ms)`)
          if (problems.length >= detailsMax) return problems
        }
      }
      return problems
    },
  }
}

/** Healed and quiet, every node sees every running node alive: not partitioned, a majority. */
export function viewsHealed(): Invariant<AgentSimView> {
  return {
    name: 'views-healed',
    atQuiescence(sim) {
      const nodes = agents(sim)
      const running = nodes.map(({ id }) => id).sort()
      const problems: string[] = []
      for (const { id, node } of nodes) {
        const view = node.view()
        if (view.partitioned || !view.majority || view.reachable.join() !== running.join()) {
          problems.push(
            `${id} sees reachable=[${view.reachable}] partitioned=${view.partitioned} majority=${view.majority}`,
          )
        }
      }
      return problems
    },
  }
}

/** `replicas: k` was kept: right as `write` resolved, k running nodes held its value. Reported as a violation if not. */
export function checkReplicasAtAck(sim: AgentSimView, write: AckedWrite): void {
  const k = write.replicas ?? 1
  const holders: string[] = []
  const others: string[] = []
  for (const { id, node } of agents(sim)) {
    const value = node.documentValues().find(([name]) => name === write.doc)?.[1]
    if (holdsWrite(parse(value), write)) holders.push(id)
    else others.push(`${id}: ${node.pendingWork().join(', ') || 'nothing pending'}`)
  }
  if (holders.length < k) {
    // What the nodes without it have pending says why (e.g. the change waits for its dependencies there).
    sim.checkers.report(
      'replicas-durable',
      `${write.doc} ${write.key} acked by ${write.node} with replicas: ${k}, held by ${holders.length} (${holders.join(', ') || 'none'}); others: ${others.join('; ')}`,
      sim.nowMs,
    )
  }
}

/** The invariants `sim.check()` includes by default with real nodes. */
export function defaultAgentInvariants(): Array<Invariant<AgentSimView>> {
  return [docConvergence(), noLostWrite(), vectorsEqual()]
}

/** The invariants a scenario over real nodes checks (the defaults plus healed views); `acked` overrides the ledger. */
export function agentInvariants(acked?: readonly AckedWrite[]): Array<Invariant<AgentSimView>> {
  return [docConvergence(), noLostWrite(acked), vectorsEqual(), viewsHealed()]
}
