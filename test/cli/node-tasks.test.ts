/**
 * The task commands of the `isthmus node` stdin protocol (submit, tasks,
 * task) on a real node process, with handlers loaded from `--handlers FILE`
 * beside the built-in kinds; and bad input: a bad payload is an error reply,
 * a bad --handlers file a one-line message and exit 2.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { NodeProcess } from '../../cli/node-process.ts'
import { silentLogger, systemEnv } from '../../src/env/index.ts'
import { runCli, tempDir } from './run-cli.ts'

const clock = systemEnv({ log: silentLogger }).clock
const running: NodeProcess[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((node) => node.kill()))
})

describe('isthmus node: tasks over stdin', () => {
  it('submit, tasks and task, with a kind from --handlers and a built-in one', async () => {
    const dir = tempDir()
    const file = join(dir, 'handlers.mjs')
    writeFileSync(
      file,
      'export default { shout: { run: async (task) => String(task.payload.text).toUpperCase() } }\n',
    )
    const node = await NodeProcess.spawn(
      {
        listen: '/ip4/127.0.0.1/tcp/0',
        data: join(dir, 'n1'),
        heartbeatMs: 100,
        extra: ['--handlers', file],
      },
      clock,
    )
    running.push(node)
    const shout = (await node.command('submit shout {"text":"hello"}')).id as string
    const echo = (await node.command('submit echo [1,2]')).id as string
    expect(shout).toMatch(/^r[0-9a-f]+$/)
    await vi.waitFor(
      async () => {
        const rows = (await node.command('tasks')).tasks as Array<Record<string, unknown>>
        expect(rows.map((r) => r.status)).toEqual(['completed', 'completed'])
        expect(rows.every((r) => r.owner === node.id && r.epoch === 1)).toBe(true)
      },
      { timeout: 30_000, interval: 50 },
    )
    const task = (await node.command(`task ${shout}`)).task as {
      result: unknown
      history: Array<{ type: string }>
    }
    expect(task.result).toBe('HELLO')
    expect(task.history.map((e) => e.type)).toEqual(
      expect.arrayContaining(['submitted', 'claimed', 'completed']),
    )
    expect(((await node.command(`task ${echo}`)).task as { result: unknown }).result).toEqual([1, 2])
    expect(await node.request('submit echo {oops')).toMatchObject({ ok: false })
    expect(await node.request('task nope')).toEqual({ ok: false, error: 'no task nope on this node' })
    expect(await node.request('submit')).toEqual({ ok: false, error: 'usage: submit KIND [JSON]' })
  }, 60_000)

  it('a bad --handlers file: one line, exit 2', async () => {
    const dir = tempDir()
    const file = join(dir, 'bad.mjs')
    writeFileSync(file, 'export default { broken: { notRun: 1 } }\n')
    const args = ['node', '--listen', '/ip4/127.0.0.1/tcp/0', '--data', join(dir, 'n')]
    for (const handlers of [file, join(dir, 'missing.mjs')]) {
      const run = await runCli([...args, '--handlers', handlers])
      expect(run.code).toBe(2)
      expect(run.stderr.trim().split('\n')).toHaveLength(1)
      expect(run.stderr).toContain('--handlers')
    }
  }, 60_000)
})
