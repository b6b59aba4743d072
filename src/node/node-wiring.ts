/**
 * How a node wires its subsystems once it has an id: membership (with the
 * members it remembers), the member dialer, the documents (loaded from the
 * store), replication, and the work layer on its board document. Each part is
 * put into `parts` as soon as it exists, in that order, so the callbacks of a
 * later part (and the node's own methods) can use the earlier ones.
 */
import type * as Y from 'yjs'
import type { Store } from '../../store/store.ts'
import type { Transport } from '../../transport/transport.ts'
import type { DocHandle } from '../docs/doc-handle.ts'
import { type BackendFactory, DocRegistry } from '../docs/doc-registry.ts'
import type { Env } from '../env/types.ts'
import { Emitter } from '../events.ts'
import { decodeMembership } from '../membership/known-members.ts'
import { MemberDialer } from '../membership/member-dialer.ts'
import { Membership } from '../membership/membership.ts'
import { Replicator, type ReplicatorEvents } from '../sync/replicator.ts'
import { BOARD_DOC } from '../work/task-board.ts'
import type { TaskNode } from '../work/types.ts'
import { WorkLayer } from '../work/work-layer.ts'
import type { DegradationState, NodeView } from './degradation.ts'
import type { FrameLink } from './frame-link.ts'
import type { NodeMetrics } from './metrics.ts'
import type { NodeEvents } from './node-events.ts'
import type { ResolvedOptions } from './options.ts'
import type { StoreDamage } from './store-damage.ts'

/** The node's metadata key of its remembered membership. */
export const MEMBERS_META = 'members'
const syncStateKey = (doc: string, peer: string) => `sync/${doc}/${peer}`

/** The subsystems of a started node, filled in as they are wired. */
export interface NodeParts {
  membership?: Membership
  dialer?: MemberDialer
  docs?: DocRegistry
  replicator?: Replicator
  work?: WorkLayer
}

/** What the wiring uses of the node: its adapters, sinks and the few of its methods the parts call back. */
export interface WiringHost {
  env: Env
  store: Store
  transport: Transport
  options: ResolvedOptions
  createBackend: BackendFactory
  events: Emitter<NodeEvents>
  metrics: NodeMetrics
  degradation: DegradationState
  damage: StoreDamage
  link: FrameLink
  /** The node as the work layer sees it. */
  taskNode: TaskNode
  view(): NodeView
  failure(failure: { during: string; doc?: string; peer?: string; error: unknown }): void
  feedDegradation(): void
  saveMembers(): void
}

/** Wires every part into `parts`, in order; resolves once the documents are loaded and the board is open. */
export async function wireNode(host: WiringHost, parts: NodeParts, id: string): Promise<void> {
  const { members: known, forgotten } = decodeMembership(await host.store.getMeta(MEMBERS_META))
  parts.membership = new Membership(
    id,
    host.env,
    host.options,
    {
      member: (view) => {
        if (view.status !== 'alive') host.metrics.suspicions++
        host.events.emit('member', view)
      },
      partition: (view) => {
        host.events.emit('partition', view)
        host.feedDegradation()
      },
      heal: (view) => {
        host.events.emit('heal', view)
        host.feedDegradation()
      },
      // Deferred a microtask: the first call comes from inside the constructor, before parts.membership is set.
      membersChanged: () => queueMicrotask(() => host.saveMembers()),
    },
    [...host.options.members.map((member) => ({ id: member, addresses: [] })), ...known],
    forgotten,
  )
  parts.dialer = new MemberDialer(host.env, host.transport)
  const docs = wireDocs(host, parts, id)
  parts.docs = docs
  await docs.loadAll()
  parts.replicator = new Replicator({
    self: id,
    env: host.env,
    send: (peer, frame) => host.link.send(peer, frame),
    connected: () => host.transport.connected(),
    replica: (name, backend) => docs.replica(name, backend),
    replicas: () => docs.loaded(),
    loadSyncState: (doc, peer) => host.store.getMeta(syncStateKey(doc, peer)),
    saveSyncState: (doc, peer, state) => host.store.putMeta(syncStateKey(doc, peer), state),
    events: replicatorEvents(host),
  })
  // --- issue 10 (work): the board is a document of the node's own, opened once the others are loaded ---
  parts.work = new WorkLayer({
    env: host.env,
    self: id,
    openBoard: async () => (await docs.handle(BOARD_DOC, 'yjs')) as DocHandle<Y.Doc>,
    boardStored: docs.loaded().some((replica) => replica.name === BOARD_DOC),
    onBoardChange: (listener) => docs.emitter(BOARD_DOC).on('change', listener),
    options: host.options,
    node: host.taskNode,
    view: () => host.view(),
    quorum: () => (parts.membership as Membership).quorum(),
    emitTask: (task) => host.events.emit('task', task),
    onViewChange: (listener) => [
      host.events.on('member', listener),
      host.events.on('partition', listener),
      host.events.on('heal', listener),
    ],
    tickMs: host.options.heartbeatMs,
    degradation: host.degradation,
    registry: host.metrics.registry,
  })
  await parts.work.openIfNeeded()
  // --- end issue 10 (work) ---
}

function wireDocs(host: WiringHost, parts: NodeParts, id: string): DocRegistry {
  return new DocRegistry({
    env: host.env,
    store: host.store,
    self: id,
    createBackend: host.createBackend,
    hooks: {
      localDurable: (replica, dot, update) => parts.replicator?.localDurable(replica, dot, update),
      changed: (replica, origin) => parts.docs?.emitter(replica.name).emit('change', { origin }),
      storeFailed: (replica, error) => {
        host.metrics.count('storeWriteFailures', 1)
        host.env.log.log('error', 'store write failed; retrying in order', {
          doc: replica.name,
          error: String(error),
        })
      },
    },
    onDamage: (damage) => host.damage.document(damage),
  })
}

/** Replication's events, told as the node's: metrics, `diverged`/`converged`, failures. */
function replicatorEvents(host: WiringHost): Emitter<ReplicatorEvents> {
  const events = new Emitter<ReplicatorEvents>(host.env.log)
  events.on('diverged', (e) => {
    host.metrics.diverged(e.peer, e, host.env.clock.now())
    host.events.emit('diverged', e)
  })
  events.on('converged', (e) => {
    host.metrics.converged(e.peer)
    host.events.emit('converged', e)
  })
  events.on('metric', (name, value) => host.metrics.count(name, value))
  events.on('failure', (failure) => host.failure(failure))
  return events
}
