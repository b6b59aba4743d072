/**
 * The README's embedding example, run as written by test/examples/embed.test.ts:
 * two nodes in one program (in production, one per machine) share a Yjs
 * document over libp2p, each persisting it in its own LevelDB folder.
 */
// biome-ignore-all assist/source/organizeImports: the order DESIGN.md §3 and the README show
import { createNode } from 'isthmus'
import { libp2pTransport } from 'isthmus/transport'
import { levelStore } from 'isthmus/store'

const a = await createNode({
  transport: libp2pTransport({ listen: ['/ip4/127.0.0.1/tcp/0'] }),
  store: levelStore({ path: './data/a' }),
})
await a.start()
const b = await createNode({
  transport: libp2pTransport({ listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: a.addresses() }),
  store: levelStore({ path: './data/b' }),
})
await b.start()

const plan = await a.doc('plan', { backend: 'yjs' })
await plan.change((ydoc) => ydoc.getMap('goals').set('g1', 'ship'), { replicas: 2 }) // both nodes hold it
const copy = await b.doc('plan', { backend: 'yjs' })
console.log(copy.value()) // { goals: { g1: 'ship' } }
await Promise.all([a.stop(), b.stop()])
