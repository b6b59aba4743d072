/**
 * Bad command lines for `isthmus node` and `isthmus cluster`: one line on
 * stderr, exit 2, no stack trace; `--help` prints the usage and exits 0.
 */
import { spawnSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseClusterArgs } from '../../cli/cluster-command.ts'
import { parseNodeArgs } from '../../cli/node-command.ts'
import { cliEntry, NodeProcess } from '../../cli/node-process.ts'
import { UsageError } from '../../cli/usage-error.ts'
import { silentLogger, systemEnv } from '../../src/env/index.ts'

function isthmus(...args: string[]) {
  return spawnSync(process.execPath, [cliEntry(), ...args], { encoding: 'utf8', timeout: 30_000 })
}

const listen = ['--listen', '/ip4/127.0.0.1/tcp/0']

describe('isthmus node and cluster command lines', () => {
  it.each([
    [[], /--listen MULTIADDR is required/],
    [[...listen], /--data DIR is required/],
    [['--listen', 'nope', '--data', 'd'], /--listen\[0\]: not a multiaddr: "nope"/],
    [[...listen, '--data', 'd', '--peer', '/ip4/1.2.3.4/tcp/1', 'oops'], /--peer\[1\]: not a multiaddr/],
    [[...listen, '--data', 'd', '--allow', 'not-a-peer-id'], /--allow\[0\]: not a peer id/],
    [
      [...listen, '--data', 'd', '--metrics-port', '70000'],
      /--metrics-port must be an integer from 0 to 65535/,
    ],
    [[...listen, '--data', 'd', '--log-level', 'loud'], /--log-level must be one of/],
    [[...listen, '--data', 'd', '--bogus'], /Unknown option '--bogus'/],
  ])('node %j is refused: %s', (argv, message) => {
    expect(() => parseNodeArgs(argv)).toThrow(UsageError)
    expect(() => parseNodeArgs(argv)).toThrow(message)
  })

  it('takes several values after a list flag, or the flag repeated', () => {
    const parsed = parseNodeArgs([
      ...listen,
      '--data',
      'd',
      '--peer',
      '/ip4/1.1.1.1/tcp/1',
      '/ip4/2.2.2.2/tcp/2',
      '--peer',
      '/ip4/3.3.3.3/tcp/3',
      '--json',
    ])
    expect(parsed).toMatchObject({
      peers: ['/ip4/1.1.1.1/tcp/1', '/ip4/2.2.2.2/tcp/2', '/ip4/3.3.3.3/tcp/3'],
      json: true,
    })
  })

  it('exits 2 with one line on stderr for a bad node command line, 0 for --help', () => {
    const bad = isthmus('node', '--listen', 'nope', '--data', 'x')
    expect(bad.status).toBe(2)
    expect(bad.stderr).toBe('isthmus: node: --listen[0]: not a multiaddr: "nope"\n')
    expect(bad.stdout).toBe('')
    const help = isthmus('node', '--help')
    expect(help.status).toBe(0)
    expect(help.stdout).toContain('usage: isthmus node --listen MULTIADDR --data DIR')
    expect(help.stdout).toContain('write DOC KEY VALUE')
  })

  it('exits 1 with one line when the data folder is held by another node', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'isthmus-node-args-'))
    const clock = systemEnv({ log: silentLogger }).clock
    const first = await NodeProcess.spawn({ listen: '/ip4/127.0.0.1/tcp/0', data: dir }, clock)
    try {
      const second = isthmus('node', '--listen', '/ip4/127.0.0.1/tcp/0', '--data', dir)
      expect(second.status).toBe(1)
      expect(second.stderr).toMatch(/^isthmus node: cannot start: .*locked.*\n$/)
    } finally {
      await first.stop()
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('refuses bad cluster command lines', () => {
    expect(() => parseClusterArgs([])).toThrow(/--nodes N is required/)
    expect(() => parseClusterArgs(['--nodes', '1'])).toThrow(/--nodes must be an integer from 2 to 16/)
    expect(() => parseClusterArgs(['--nodes', '3', '--duration', '-5'])).toThrow(UsageError)
    expect(parseClusterArgs(['--nodes', '3'])).toMatchObject({ options: { nodes: 3, durationMs: 2000 } })
    const bad = isthmus('cluster', '--nodes', 'many')
    expect(bad.status).toBe(2)
    expect(bad.stderr).toBe('isthmus: cluster: --nodes must be an integer from 2 to 16 (got "many")\n')
  })
})
