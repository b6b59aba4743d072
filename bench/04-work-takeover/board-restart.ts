/**
 * #4 work takeover, the restart row: wall ms from opening a node (createNode
 * + start on its levelStore on disk) to its board loaded (start resolved, and
 * `tasks.list()` shows every task completed), for a node holding 10,000
 * finished tasks. The floor, in the same run and process: raw Yjs loading
 * the same board document (`Y.applyUpdate` of its encoded state into a fresh
 * Y.Doc). Also the same node restarted with an empty board-less store, what
 * any restart pays (store open, identity, membership), as a second reference.
 *
 * The fixture: the tasks' events (submitted, claimed, checkpoint, completed:
 * the shapes the runner writes, see board-cost.ts's `lifeOf`) written into
 * the node's board document through `handle.change`, 500 tasks a change, so
 * the store holds them as it would (log entries, compacted into a snapshot
 * when the store's policy says). The node has a handler for the kind, so its
 * runner starts and scans the board as a worker's would.
 *
 * The transport is a no-op one (no peers): a restart's libp2p startup would be
 * measured by #8, not here.
 */
import * as Y from 'yjs'
import { seededRandom } from '../../src/env/index.ts'
import { createNode } from '../../src/node/create-node.ts'
import { BOARD_DOC } from '../../src/work/task-board.ts'
import { eventId, randomTaskId } from '../../src/work/task-events.ts'
import { levelStore } from '../../store/index.ts'
import type { Transport } from '../../transport/transport.ts'
import { median, tempFolder } from '../harness/measure.ts'
import { lifeOf } from './board-cost.ts'

const TASKS_PER_CHANGE = 500

/** No peers: an id from the stored identity, nothing sent. */
function nullTransport(): Transport {
  return {
    async start(ctx) {
      let identity = await ctx.identity.load()
      if (identity === undefined) {
        identity = seededRandom(4).bytes(16)
        await ctx.identity.save(identity)
      }
      return { id: `bench-${Buffer.from(identity).toString('hex').slice(0, 12)}` }
    },
    stop: async () => {},
    send: () => false,
    connected: () => [],
    addresses: () => [],
    dial: async () => {
      throw new Error('no peers in this benchmark')
    },
  }
}

async function open(path: string) {
  const node = await createNode({
    transport: nullTransport(),
    store: levelStore({ path }),
    handlers: { summarize: { run: async () => 'ok' } },
  })
  await node.start()
  return node
}

export interface RestartFigures {
  tasks: number
  /** Median wall ms, open → board loaded, 10,000 finished tasks. */
  restartMs: number
  /** Median wall ms, open → started, empty store. */
  emptyRestartMs: number
  /** Median wall ms, raw Y.applyUpdate of the board's encoded state. */
  rawYjsMs: number
  boardBytes: number
}

export async function measureRestart(tasks: number, rounds: number): Promise<RestartFigures> {
  const full = tempFolder('work-restart')
  const empty = tempFolder('work-restart-empty')
  try {
    const node = await open(full.path)
    const board = await node.doc(BOARD_DOC, { backend: 'yjs' })
    const random = seededRandom(7)
    for (let i = 0; i < tasks; i += TASKS_PER_CHANGE)
      await board.change((ydoc) => {
        const events = (ydoc as Y.Doc).getMap('events')
        for (let j = i; j < Math.min(tasks, i + TASKS_PER_CHANGE); j++) {
          const id = randomTaskId(random.bytes(16))
          for (const event of lifeOf(id, j)) events.set(`${id}/${eventId(event)}`, event)
        }
      })
    const bytes = Y.encodeStateAsUpdate(board.ydoc as Y.Doc)
    await node.stop()
    await (await open(empty.path)).stop()

    const restartMs: number[] = []
    const emptyRestartMs: number[] = []
    const rawYjsMs: number[] = []
    for (let r = 0; r < rounds; r++) {
      let started = performance.now()
      const again = await open(full.path)
      const completed = again.tasks.list({ status: 'completed' }).length
      restartMs.push(performance.now() - started)
      await again.stop()
      if (completed !== tasks) throw new Error(`restart loaded ${completed} of ${tasks} finished tasks`)

      started = performance.now()
      const blank = await open(empty.path)
      emptyRestartMs.push(performance.now() - started)
      await blank.stop()

      started = performance.now()
      const doc = new Y.Doc()
      Y.applyUpdate(doc, bytes)
      const events = doc.getMap('events').size
      rawYjsMs.push(performance.now() - started)
      doc.destroy()
      if (events !== tasks * 4) throw new Error(`raw Yjs loaded ${events} events, expected ${tasks * 4}`)
    }
    return {
      tasks,
      restartMs: median(restartMs),
      emptyRestartMs: median(emptyRestartMs),
      rawYjsMs: median(rawYjsMs),
      boardBytes: bytes.length,
    }
  } finally {
    full.remove()
    empty.remove()
  }
}
