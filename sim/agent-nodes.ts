/**
 * Real isthmus nodes in the simulator: the node factory, and how the
 * simulator tells a real node (or a wrapper around one) from a test protocol.
 * The write workload is in agent-workload.ts, the invariants of DESIGN.md §4
 * in agent-invariants.ts.
 */
import type { AgentNode } from '../src/node/agent-node.ts'
import { createNode } from '../src/node/create-node.ts'
import type { NodeOptions } from '../src/node/options.ts'
import type { SimNodeFactory } from './node-host.ts'

/** Options for every simulated node: createNode's, minus what the simulator supplies. */
export type AgentSimOptions = Omit<NodeOptions, 'env' | 'transport' | 'store'>

/** Builds each node incarnation with createNode over the simulator's Env, Transport and Store. */
export const agentNodeFactory: SimNodeFactory<AgentNode, AgentSimOptions> = async (ctx) =>
  createNode({ ...ctx.options, env: ctx.env, transport: ctx.transport, store: ctx.store })

/** What the agent checkers read from a node: present on AgentNode and on anything wrapping one. */
export type AgentLike = Pick<AgentNode, 'id' | 'pendingWork' | 'documentValues' | 'versionVector' | 'view'>

/** Whether `node` answers what the agent checkers ask (duck-typed, so a factory wrapping AgentNode counts). */
export function isAgentLike(node: unknown): node is AgentLike {
  const n = node as Partial<Record<keyof AgentLike, unknown>> | undefined
  return (
    typeof n?.pendingWork === 'function' &&
    typeof n.documentValues === 'function' &&
    typeof n.versionVector === 'function'
  )
}
