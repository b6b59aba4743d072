/**
 * The default node of a simulation until the real createNode exists: it
 * opens its store and starts its transport, and does nothing else. Useful
 * for exercising the network alone.
 */
import type { IdentityStore } from '../transport/transport.ts'
import type { SimNodeContext, SimNodeLike } from './node-host.ts'

/** An identity kept in the node's store metadata. */
function storeIdentity(ctx: SimNodeContext<unknown>): IdentityStore {
  return {
    load: () => ctx.store.getMeta('identity'),
    save: (identity) => ctx.store.putMeta('identity', identity),
  }
}

/** A node that only starts its transport and store. */
export async function idleNode(ctx: SimNodeContext<unknown>): Promise<SimNodeLike> {
  const events = { frame() {}, connect() {}, disconnect() {} }
  return {
    async start() {
      await ctx.store.open()
      await ctx.transport.start({ env: ctx.env, identity: storeIdentity(ctx), events })
    },
    async stop() {
      await ctx.transport.stop()
      await ctx.store.close()
    },
  }
}
