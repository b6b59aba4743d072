/**
 * Real nodes for the libp2p tests: createNode + libp2pTransport on
 * 127.0.0.1 + levelStore in a temp folder, no mocks. A node keeps its folder
 * and port across restarts, so it comes back with the same id at the same
 * address (peers redial that address).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, vi } from 'vitest'
import { silentLogger, systemEnv } from '../../src/env/index.ts'
import type { AgentNode } from '../../src/node/agent-node.ts'
import { createNode } from '../../src/node/create-node.ts'
import { levelStore } from '../../store/index.ts'
import { libp2pTransport } from '../../transport/index.ts'

/** Fast enough that views settle in about a second, slow enough for a loaded CI machine. */
export const HEARTBEAT_MS = 100

/** Redials of a restarted peer within a fraction of a second. */
const fastReconnect = { baseMs: 50, maxMs: 500 }

export interface TestNode {
  name: string
  dir: string
  /** The listen address, fixed after the first start (`/ip4/127.0.0.1/tcp/PORT`). */
  listen: string
  node: AgentNode | undefined
  /** Who it dials (full addresses, with `/p2p/<id>`). */
  bootstrap: string[]
  allow: string[] | undefined
}

/** Nodes in one temp folder; `close()` stops every node and removes it. */
export class TestNodes {
  readonly #root: string
  readonly #nodes: TestNode[] = []

  private constructor(root: string) {
    this.#root = root
  }

  static async create(): Promise<TestNodes> {
    return new TestNodes(await mkdtemp(join(tmpdir(), 'isthmus-node-test-')))
  }

  /** Declares a node; `start` runs it. */
  add(name: string, options: { bootstrap?: string[]; allow?: string[] } = {}): TestNode {
    const entry: TestNode = {
      name,
      dir: join(this.#root, name),
      listen: '/ip4/127.0.0.1/tcp/0',
      node: undefined,
      bootstrap: options.bootstrap ?? [],
      allow: options.allow,
    }
    this.#nodes.push(entry)
    return entry
  }

  /** Starts (or restarts) `entry` from its folder, at its port. */
  async start(entry: TestNode): Promise<AgentNode> {
    const node = await createNode({
      env: systemEnv({ log: silentLogger }),
      heartbeatMs: HEARTBEAT_MS,
      transport: libp2pTransport({
        listen: [entry.listen],
        bootstrap: entry.bootstrap,
        reconnect: fastReconnect,
        ...(entry.allow ? { allow: entry.allow } : {}),
      }),
      store: levelStore({ path: entry.dir }),
    })
    await node.start()
    entry.node = node
    entry.listen = withoutPeerId(address(node))
    return node
  }

  async stop(entry: TestNode): Promise<void> {
    const node = entry.node
    entry.node = undefined
    await node?.stop()
  }

  /** Starts a, b, c as a mesh: b dials a, c dials a and b. */
  async mesh(names = ['a', 'b', 'c']): Promise<TestNode[]> {
    const started: TestNode[] = []
    for (const name of names) {
      const entry = this.add(name, { bootstrap: started.map((s) => address(s.node)) })
      await this.start(entry)
      started.push(entry)
    }
    await vi.waitFor(
      () =>
        expect(
          started.every((s) => s.node?.view().reachable.length === names.length),
          'every node sees every other alive',
        ).toBe(true),
      { timeout: 15_000, interval: 20 },
    )
    return started
  }

  async close(): Promise<void> {
    await Promise.all(this.#nodes.map((n) => this.stop(n)))
    await rm(this.#root, { recursive: true, force: true })
  }
}

/** A running node's first address (with `/p2p/<id>`). */
export function address(node: AgentNode | undefined): string {
  const first = node?.addresses()[0]
  if (first === undefined) throw new Error('node is not running')
  return first
}

function withoutPeerId(addr: string): string {
  return addr.replace(/\/p2p\/[^/]+$/, '')
}

/** The running node of `entry` (throws if stopped). */
export function running(entry: TestNode): AgentNode {
  if (!entry.node) throw new Error(`${entry.name} is not running`)
  return entry.node
}

/** Every document a node holds, canonical JSON, in name order: equal text means equal replicas. */
export function valuesOf(node: AgentNode): string {
  return JSON.stringify(node.documentValues().sort(([x], [y]) => (x < y ? -1 : 1)))
}

/** Every document a node holds, as plain values by name. */
export function docsOf(node: AgentNode): Record<string, unknown> {
  return Object.fromEntries(node.documentValues().map(([name, text]) => [name, JSON.parse(text)]))
}

/** Whether every given node holds byte-identical documents. */
export function identical(nodes: AgentNode[]): boolean {
  const texts = nodes.map(valuesOf)
  return texts.every((t) => t === texts[0])
}
