/**
 * `isthmus node` on a --data folder whose LevelDB write-ahead log is damaged
 * (issue 7, item 6), as real processes: it used to start, exit 0 and say
 * nothing while LevelDB dropped acknowledged writes. Now it refuses in one
 * line naming the folder and the damage, exit 1, the folder untouched; with
 * --salvage it starts and says in one line what LevelDB dropped.
 */
import { createHash } from 'node:crypto'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { NodeProcess } from '../../cli/node-process.ts'
import { silentLogger, systemEnv } from '../../src/env/index.ts'
import { runCli } from './run-cli.ts'

const clock = systemEnv({ log: silentLogger }).clock
const WRITES = 300
const DAMAGE_BYTES = 64

let dir = ''
const running: NodeProcess[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((node) => node.kill()))
  if (dir) await rm(dir, { recursive: true, force: true })
})

async function spawnNode(data: string, extra: string[] = []): Promise<NodeProcess> {
  const node = await NodeProcess.spawn({ listen: '/ip4/127.0.0.1/tcp/0', data, extra }, clock)
  running.push(node)
  return node
}

/** A node's folder holding WRITES acknowledged writes to document "plan", stopped cleanly. */
async function writtenFolder(): Promise<string> {
  dir = await mkdtemp(join(tmpdir(), 'isthmus-node-damage-'))
  const data = join(dir, 'n1')
  const node = await spawnNode(data)
  for (let i = 0; i < WRITES; i++) await node.command(`write plan k${i} ${i}`)
  expect(await node.stop()).toBe(0)
  running.splice(running.indexOf(node), 1)
  return data
}

async function damageLog(data: string): Promise<string> {
  const log = (await readdir(data)).find((name) => name.endsWith('.log')) as string
  const bytes = await readFile(join(data, log))
  const at = Math.floor(bytes.length / 2)
  for (let i = at; i < at + DAMAGE_BYTES; i++) bytes[i] = (bytes[i] as number) ^ 0xa5
  await writeFile(join(data, log), bytes)
  return log
}

async function folderState(path: string): Promise<Record<string, string>> {
  const state: Record<string, string> = {}
  for (const name of (await readdir(path)).sort()) {
    state[name] = createHash('sha256')
      .update(await readFile(join(path, name)))
      .digest('hex')
  }
  return state
}

describe('isthmus node on a damaged store', () => {
  it('refuses in one line naming the folder and the damage, exits 1 and changes nothing', async () => {
    const data = await writtenFolder()
    const log = await damageLog(data)
    const before = await folderState(data)
    const run = await runCli([
      'node',
      '--listen',
      '/ip4/127.0.0.1/tcp/0',
      '--data',
      data,
      '--log-level',
      'debug',
    ])
    expect(run.code).toBe(1)
    expect(run.stdout).toBe('')
    const lines = run.stderr.trimEnd().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(
      new RegExp(`^isthmus node: --data ${data}: damaged store: ${log}: checksum mismatch at byte \\d+ `),
    )
    expect(lines[0]).toMatch(/LevelDB's recovery would drop \d+ records \(\d+ bytes\); nothing was changed/)
    expect(lines[0]).toContain('--salvage')
    expect(await folderState(data)).toEqual(before)
  })

  it('with --salvage starts, says in one line what LevelDB dropped, and keeps the damaged files', async () => {
    const data = await writtenFolder()
    const log = await damageLog(data)
    const node = await spawnNode(data, ['--salvage'])
    const value = (await node.command('read plan')).value as Record<string, number>
    const held = Object.keys(value).length
    expect(held).toBeGreaterThan(0)
    expect(held).toBeLessThan(WRITES)
    const salvageLines = node.stderrTail().filter((line) => line.includes('salvaged'))
    expect(salvageLines).toHaveLength(1)
    expect(salvageLines[0]).toMatch(
      new RegExp(
        `^isthmus node: --data ${data}: salvaged a damaged store: ${log}: .*LevelDB's recovery dropped \\d+ records \\(\\d+ bytes\\); the files as they were are in ${join(data, 'isthmus-damaged-1')}$`,
      ),
    )
    expect(await readdir(join(data, 'isthmus-damaged-1'))).toContain(log)
    expect(await node.stop()).toBe(0)
  })
})
