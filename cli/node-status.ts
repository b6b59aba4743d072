/**
 * What the status page shows, as one JSON object (`/status.json`, and the
 * stdin command `status`): members and reachability, degradation, documents
 * with their vectors, tasks by status with owners, breakers, and the
 * recovery summary. Plain data read from the node's public face; the page
 * (status-page.ts) renders it, escaping every string.
 */
import type { AgentNode } from '../src/node/agent-node.ts'
import type { WorkMetricsSnapshot } from '../src/work/work-metrics.ts'

/** Task rows the page lists: the newest first; the counts by status cover all of them. */
export const STATUS_TASKS_MAX = 200

export interface StatusTaskRow {
  id: string
  kind: string
  status: string
  owner: string | null
  epoch: number
  attempts: number
  duplicates: number
  checkpointed: boolean
}

export interface NodeStatus {
  id: string
  addresses: string[]
  view: ReturnType<AgentNode['view']>
  documents: Array<{ name: string; vector: Record<string, number> }>
  tasks: {
    total: number
    byStatus: Record<string, number>
    byOwner: Record<string, number>
    rows: StatusTaskRow[]
    shown: number
  }
  breakers: Record<string, string>
  recovery: {
    takeovers: number
    resumedFromCheckpoint: number
    mttrP50Ms: number | null
    mttrP99Ms: number | null
    mttrCount: number
    duplicateRuns: number
    compensations: number
    retries: number
    lostTasks: number
  }
}

/** The node's status now. */
export function nodeStatus(node: AgentNode): NodeStatus {
  const work = node.metrics().work as WorkMetricsSnapshot | undefined
  const all = node.tasks
    .list()
    .sort((a, b) => submittedAt(b.history) - submittedAt(a.history) || (a.id < b.id ? -1 : 1))
  const byStatus: Record<string, number> = {}
  const byOwner: Record<string, number> = {}
  for (const t of all) {
    byStatus[t.status] = (byStatus[t.status] ?? 0) + 1
    const owner = t.owner ?? '(unclaimed)'
    byOwner[owner] = (byOwner[owner] ?? 0) + 1
  }
  const rows = all.slice(0, STATUS_TASKS_MAX).map((t) => ({
    id: t.id,
    kind: t.kind,
    status: t.status,
    owner: t.owner ?? null,
    epoch: t.epoch,
    attempts: t.attempts,
    duplicates: t.duplicates.length,
    checkpointed: t.lastCheckpoint !== undefined,
  }))
  return {
    id: node.id,
    addresses: node.addresses(),
    view: node.view(),
    documents: node
      .documentVectors()
      .map(([name, vector]) => ({ name, vector }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    tasks: { total: all.length, byStatus, byOwner, rows, shown: rows.length },
    breakers: { ...(work?.breakers ?? {}) },
    recovery: {
      takeovers: work?.takeovers ?? 0,
      resumedFromCheckpoint: work?.resumedFromCheckpoint ?? 0,
      mttrP50Ms: work?.mttrMs.p50Ms ?? null,
      mttrP99Ms: work?.mttrMs.p99Ms ?? null,
      mttrCount: work?.mttrMs.count ?? 0,
      duplicateRuns: work?.duplicateRuns ?? 0,
      compensations: work?.compensations ?? 0,
      retries: work?.retries ?? 0,
      lostTasks: work?.lostTasks ?? 0,
    },
  }
}

function submittedAt(history: ReadonlyArray<{ type: string; atMs?: number }>): number {
  const submitted = history.find((e) => e.type === 'submitted')
  return submitted?.atMs ?? 0
}
