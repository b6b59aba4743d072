/**
 * The swarm over real libp2p on loopback: five nodes in this process, each
 * with its LevelDB folder under a temp directory. A partition cuts links in
 * the transports (cuttable-transport.ts); a kill stops a node at once.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { silentLogger, systemEnv } from '../../src/env/index.ts'
import type { AgentNode } from '../../src/node/agent-node.ts'
import { createNode } from '../../src/node/create-node.ts'
import { levelStore } from '../../store/classic-level-store.ts'
import { libp2pTransport } from '../../transport/libp2p.ts'
import { type CuttableTransport, cuttable } from './cuttable-transport.ts'
import { type MissionSummary, runMission, type SwarmWorld } from './mission.ts'
import { researchHandlers } from './research.ts'

const POLL_MS = 25
const NODES = 5

export async function runLibp2pSwarm(say: (line: string) => void): Promise<MissionSummary> {
  const dir = await mkdtemp(join(tmpdir(), 'isthmus-research-swarm-'))
  const env = systemEnv({ log: silentLogger })
  const nodes = new Map<string, { node: AgentNode; link: CuttableTransport }>()
  const handlers = researchHandlers(() => env)
  const started: AgentNode[] = []
  try {
    for (let i = 0; i < NODES; i++) {
      const bootstrap = started.flatMap((n) => n.addresses())
      const link = cuttable(libp2pTransport({ listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap }))
      const node = await createNode({
        env,
        transport: link.transport,
        store: levelStore({ path: join(dir, `n${i + 1}`) }),
        handlers,
        heartbeatMs: 100,
      })
      await node.start()
      started.push(node)
      nodes.set(node.id, { node, link })
    }
    const ids = [...nodes.keys()]
    const t0 = env.clock.now()
    const world: SwarmWorld = {
      ids,
      node: (id) => (nodes.get(id) as { node: AgentNode }).node,
      partition(sides) {
        for (const side of sides)
          for (const id of side)
            for (const other of ids) if (!side.includes(other)) nodes.get(id)?.link.cut.add(other)
      },
      heal() {
        for (const { link } of nodes.values()) link.cut.clear()
      },
      async kill(id) {
        const entry = nodes.get(id) as { node: AgentNode }
        await entry.node.stop()
      },
      async until(done, what, maxMs) {
        const endMs = env.clock.now() + maxMs
        while (!done()) {
          if (env.clock.now() >= endMs) throw new Error(`libp2p: no ${what} within ${maxMs} ms`)
          await new Promise<void>((resolve) => env.clock.setTimer(POLL_MS, resolve))
        }
      },
      say: (line) => say(`[${((env.clock.now() - t0) / 1000).toFixed(2)} s] ${line}`),
    }
    await world.until(
      () => started.every((n) => n.view().reachable.length === NODES),
      'full mesh of five',
      30_000,
    )
    return await runMission(world)
  } finally {
    await Promise.all(started.map((n) => n.stop()))
    await rm(dir, { recursive: true, force: true })
  }
}
