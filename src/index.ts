/**
 * isthmus: a partition-tolerant state layer for multi-node agent systems.
 * Nodes hold CRDT documents (Yjs or Automerge), replicate them over a
 * Transport, persist them in a Store, and know the shape of their network.
 */

/** A replicated, persisted document. */
export { type ChangeOptions, DocHandle } from './docs/doc-handle.ts'
export type { Clock, Env, Logger, Random, Timer } from './env/index.ts'
/** The environment a node runs in. */
export { seededRandom, silentLogger, sinkLogger, stderrLogger, systemEnv } from './env/index.ts'
/** Named errors a caller can handle. */
export {
  BackendMismatchError,
  IdentityCorruptError,
  MetadataFormatError,
  NodeOptionsError,
  NodeStoppedError,
  ReplicationTimeoutError,
} from './errors.ts'
/** Membership views. */
export type { ClusterView, MemberView } from './membership/membership.ts'
/** The node returned by createNode. */
export { AgentNode, type NodeEvents } from './node/agent-node.ts'
/** Creates a node; see NodeOptions. */
export { createNode } from './node/create-node.ts'
/** The node's `error` event: a document conflict or a local failure no promise reports. */
export type { FailureKind, NodeErrorEvent } from './node/failures.ts'
/** Options accepted by createNode. */
export type { NodeOptions } from './node/options.ts'
/** Work: the replicated task board's errors (what `node.tasks` and `ctx` reject with). */
export {
  CompensationContextError,
  LeaseLostError,
  StepNameError,
  TaskArchivedError,
  TaskCancelledError,
  TaskFailedError,
  TaskFencedError,
  TaskNotFoundError,
  TaskResultTimeoutError,
  TaskSubmitError,
  TaskValueError,
} from './work/errors.ts'
/** Work: one task's events (its history), and the task lifecycle. */
export type { TaskEvent } from './work/task-events.ts'
export type { TaskStatus } from './work/task-lifecycle.ts'
/** Work: `node.tasks`. */
export type { Tasks } from './work/tasks.ts'
/** Work: what a caller submits and reads, what a handler implements and receives. */
export type {
  ListFilter,
  StepOptions,
  SubmitOptions,
  TaskContext,
  TaskHandler,
  TaskInfo,
  TaskNode,
  TaskRef,
  TaskView,
} from './work/types.ts'
/** Work: the recovery figures in `node.metrics().work`. */
export type { WorkMetricsSnapshot } from './work/work-metrics.ts'
