/**
 * `isthmus node` on a --data folder where one of isthmus's own records rotted
 * (issue 7, item 6: "a record whose own CRC fails was reported only as
 * `count: 1`, naming neither the document nor the later writes that became
 * invisible"). As real processes on real LevelDB: the node starts, prints one
 * line naming the document and what it is missing, counts the record in
 * `isthmus_store_records_lost_total`, and fetches the content back from a peer
 * that holds it.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { NodeProcess } from '../../cli/node-process.ts'
import { silentLogger, systemEnv } from '../../src/env/index.ts'
import { parseKey } from '../../store/keys.ts'

const clock = systemEnv({ log: silentLogger }).clock
const WRITES = 40

let dir = ''
const running: NodeProcess[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((node) => node.kill()))
  if (dir) await rm(dir, { recursive: true, force: true })
})

async function spawnNode(data: string, options: { peers?: string[]; metricsPort?: number } = {}) {
  const node = await NodeProcess.spawn({ listen: '/ip4/127.0.0.1/tcp/0', data, ...options }, clock)
  running.push(node)
  return node
}

/** The keys a node holds in the Yjs document `plan` (the CLI writes into its map "data"). */
async function planKeys(node: NodeProcess): Promise<string[]> {
  const reply = await node.command('read plan')
  const value = (reply.value ?? {}) as { data?: object }
  return Object.keys(value.data ?? {})
}

/** Flips a byte in the payload of the `nth` log record of document `doc`, through LevelDB itself. */
async function rotLogRecord(data: string, doc: string, nth: number): Promise<void> {
  const db = new ClassicLevel<string, Uint8Array>(data, { keyEncoding: 'utf8', valueEncoding: 'view' })
  await db.open()
  let seen = 0
  for await (const [key, value] of db.iterator()) {
    const parsed = parseKey(key)
    if (parsed?.kind !== 'log' || parsed.doc !== doc || seen++ !== nth) continue
    const bad = value.slice()
    bad[bad.length - 1] = (bad[bad.length - 1] as number) ^ 0xff
    await db.put(key, bad)
  }
  await db.close()
}

describe('isthmus node with a rotted record', () => {
  it('names the document and what it is missing in one line, counts it, and gets it back from a peer', async () => {
    dir = await mkdtemp(join(tmpdir(), 'isthmus-node-rot-'))
    const a = await spawnNode(join(dir, 'a'))
    const b = await spawnNode(join(dir, 'b'), { peers: a.addresses })
    for (let i = 0; i < WRITES; i++) await a.command(`write plan k${i} v${i}`)
    // b holds every write before a goes down.
    await vi.waitFor(async () => expect(await planKeys(b)).toHaveLength(WRITES), {
      timeout: 20_000,
      interval: 100,
    })
    expect(await a.stop()).toBe(0)
    running.splice(running.indexOf(a), 1)
    await rotLogRecord(join(dir, 'a'), 'plan', 3)

    const again = await spawnNode(join(dir, 'a'), { peers: b.addresses, metricsPort: 0 })
    const lines = again.stderrTail().filter((line) => line.includes('damaged record'))
    expect(lines).toEqual([
      expect.stringMatching(
        /--data .*: 1 damaged record skipped; documents fetched again from peers: plan \(missing /,
      ),
    ])
    const metrics = await (await fetch(`${again.metricsUrl}`)).text()
    expect(metrics).toMatch(/isthmus_store_records_lost_total\S* 1\b/)
    // The rotted write comes back from b.
    await vi.waitFor(async () => expect(await planKeys(again)).toHaveLength(WRITES), {
      timeout: 20_000,
      interval: 100,
    })
  }, 60_000)
})
