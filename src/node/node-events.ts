/** The events a node emits (`node.on(...)`), and what its `corrupt` event reports. */
import type { OpenReport } from '../../store/store.ts'
import type { DocDamage } from '../docs/restore-claims.ts'
import type { ClusterView, MemberView } from '../membership/membership.ts'
import type { ReplicatorEvents } from '../sync/replicator.ts'
import type { TaskInfo } from '../work/types.ts'
import type { Degradation } from './degradation.ts'
import type { NodeErrorEvent } from './failures.ts'

export type NodeEvents = {
  member: (view: MemberView) => void
  partition: (view: ClusterView) => void
  heal: (view: ClusterView) => void
  diverged: ReplicatorEvents['diverged']
  converged: ReplicatorEvents['converged']
  /**
   * The store held less than the node had made durable: records skipped as
   * corrupt when it opened, and per document what is missing (those
   * documents' claims are withdrawn and their content fetched from peers).
   */
  corrupt: (report: StoreDamageReport) => void
  /**
   * Something failed here that no caller's promise reports: a document that
   * cannot be reconciled (one name, two backends), a store write outside a
   * change (members, sync state), a heartbeat that threw. Bad input from a
   * peer is not an error here: it is dropped and counted (metrics).
   */
  error: (event: NodeErrorEvent) => void
  /** The degradation level or its reasons changed (DESIGN.md §4; src/node/degradation.ts). */
  degradation: (degradation: Degradation) => void
  /** A task's derived state changed, by a local write or one from a peer (issue 10, src/work). */
  task: (task: TaskInfo) => void
}

/** What `corrupt` reports: the store's skipped records, and the documents that lost content. */
export interface StoreDamageReport extends OpenReport {
  documents: DocDamage[]
}
