/**
 * `isthmus`: the package's main entry. Everything of src/index.ts, plus a
 * `createNode` that fills in the defaults a user expects:
 *
 * - no `store`: LevelDB on disk under `./.isthmus/<name>` (`name` defaults to 'default');
 * - no `transport`: libp2p listening on 127.0.0.1, on a free port.
 *
 * Why a file at the top and not in src/: src/ is the one code path the
 * simulator also runs, so it never imports libp2p, classic-level or a store or
 * transport implementation (DESIGN.md §1, checked by .dependency-cruiser.cjs).
 * Choosing the real adapters is wiring, done here, where the package meets
 * its user; src/node/create-node.ts still takes both explicitly.
 */
import { join } from 'node:path'
import {
  type AgentNode,
  createNode as createNodeWith,
  type NodeOptions as NodeOptionsWith,
} from './src/index.ts'
import { levelStore } from './store/classic-level-store.ts'
import type { Store } from './store/store.ts'
import { libp2pTransport } from './transport/libp2p.ts'
import type { Transport } from './transport/transport.ts'

export * from './src/index.ts'

/** The folder, relative to the working directory, that holds default stores: one subfolder per `name`. */
export const DEFAULT_STORE_ROOT = '.isthmus'

/** Where a node with no `transport` listens: loopback only, any free port. */
export const DEFAULT_LISTEN = ['/ip4/127.0.0.1/tcp/0']

/** createNode's options: those of src's NodeOptions, with `store` and `transport` optional. */
export interface NodeOptions extends Omit<NodeOptionsWith, 'store' | 'transport'> {
  /** Where documents and the node id are kept. Default: `levelStore({ path: './.isthmus/<name>' })`. */
  store?: Store
  /** How the node reaches peers. Default: `libp2pTransport({ listen: ['/ip4/127.0.0.1/tcp/0'] })`. */
  transport?: Transport
}

/**
 * Creates a node (not started: call `start()`). A missing `store` or
 * `transport` gets the default above. Nothing is opened before `start()`:
 * a bad option (a `name` that is not a plain folder name, say) throws
 * NodeOptionsError listing each problem, with no folder made and no port taken.
 */
export async function createNode(options: NodeOptions = {}): Promise<AgentNode> {
  return createNodeWith({
    ...options,
    store: options.store ?? levelStore({ path: join(DEFAULT_STORE_ROOT, options.name ?? 'default') }),
    transport: options.transport ?? libp2pTransport({ listen: DEFAULT_LISTEN }),
  })
}
