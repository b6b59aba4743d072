/**
 * When a simulation of real nodes is settled (what `runUntilQuiet` waits
 * for): no node is booting and no store sync or restart is queued; every
 * running node reports no pending work (`pendingWork()`: pulls, resends,
 * unsettled writes, pending dependencies, gaps, runs in progress, claims
 * in flight); no running node's task board holds a task that has not
 * ended (one waiting for its owner's takeover is work to come, even with no
 * run in flight: detection + leaseMs must pass); and every two running nodes
 * that can reach each other (neither direction cut) hold the same documents
 * with the same values and the same version vector. Partitioned sides may
 * differ: each side settles on its own.
 */
import { canonicalVector } from '../src/sync/version-vector.ts'
import { isTerminal, type TaskStatus } from '../src/work/task-lifecycle.ts'
import { type AgentLike, isAgentLike } from './agent-nodes.ts'

/** What the rule reads from a simulation. */
export interface QuietView {
  readonly ids: readonly string[]
  status(id: string): string
  running(): Array<{ id: string; node: unknown }>
  network: { isCut(from: string, to: string): boolean }
  /** Queued events of the kinds that mean a store sync or a node (re)boot is still due. */
  storeOrBootQueued(): number
}

/** Reasons given at once: enough to see what is stuck. */
const reasonsMax = 20

/** Why the simulation is not settled now (empty: settled). */
export function unsettledReasons(sim: QuietView): string[] {
  const reasons: string[] = []
  for (const id of sim.ids) if (sim.status(id) === 'starting') reasons.push(`${id} is starting`)
  if (sim.storeOrBootQueued() > 0) reasons.push(`${sim.storeOrBootQueued()} store syncs or boots queued`)
  const nodes = sim.running().filter((r): r is { id: string; node: AgentLike } => isAgentLike(r.node))
  for (const { id, node } of nodes) for (const why of node.pendingWork()) reasons.push(`${id} ${why}`)
  if (reasons.length > 0) return reasons.slice(0, reasonsMax)
  for (const { id, node } of nodes) {
    const open = unfinishedTasks(node)
    if (open > 0) reasons.push(`${id} tasks: ${open} not ended (pending, running or compensating)`)
  }
  if (reasons.length > 0) return reasons.slice(0, reasonsMax)
  // Vectors first (cheap), values only when every vector matched.
  const vectors = nodes.map(({ node }) => JSON.stringify(canonicalVector(node.versionVector())))
  differingPairs(sim, nodes, vectors, 'version vectors', reasons)
  if (reasons.length > 0) return reasons.slice(0, reasonsMax)
  // Sorted by name: nodes load documents in different orders.
  const values = nodes.map(({ node }) =>
    JSON.stringify([...node.documentValues()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
  )
  differingPairs(sim, nodes, values, 'document values', reasons)
  return reasons.slice(0, reasonsMax)
}

/** Tasks on `node`'s board that have not ended (0 for a node without the tasks API). */
function unfinishedTasks(node: unknown): number {
  const tasks = (node as { tasks?: { list?: () => Array<{ status: TaskStatus }> } }).tasks
  if (typeof tasks?.list !== 'function') return 0
  let open = 0
  for (const task of tasks.list()) if (!isTerminal(task.status)) open++
  return open
}

function differingPairs(
  sim: QuietView,
  nodes: ReadonlyArray<{ id: string }>,
  texts: readonly string[],
  what: string,
  reasons: string[],
): void {
  for (let i = 0; i < nodes.length; i++) {
    for (let j = i + 1; j < nodes.length; j++) {
      const a = (nodes[i] as { id: string }).id
      const b = (nodes[j] as { id: string }).id
      if (sim.network.isCut(a, b) || sim.network.isCut(b, a)) continue
      if (texts[i] !== texts[j]) reasons.push(`${a} and ${b} differ in ${what}`)
    }
  }
}
