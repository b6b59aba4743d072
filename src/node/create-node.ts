import { createBackend } from '../../crdt/index.ts'
import { systemEnv } from '../env/system.ts'
import { AgentNode } from './agent-node.ts'
import { type NodeOptions, resolveOptions } from './options.ts'

/**
 * Creates a node (not started: call `start()`). Validates every option and
 * throws NodeOptionsError listing what is wrong.
 */
export async function createNode(options: NodeOptions): Promise<AgentNode> {
  const resolved = resolveOptions(options)
  return new AgentNode({
    env: options.env ?? systemEnv(),
    transport: options.transport,
    store: options.store,
    options: resolved,
    createBackend: (name, opts) => createBackend(name, opts),
  })
}
