/**
 * What `isthmus node` tells a user whose network setup is wrong: a --peer
 * nobody listens at is reported (one line, at a bounded rate) instead of a
 * silent node whose view says `members: []`; a port in use is named, not
 * answered with libp2p's advice about an option the user never set.
 */

import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { listenFailure } from '../../cli/listen-error.ts'
import { NodeProcess, type NodeProcessOptions } from '../../cli/node-process.ts'
import { PEER_WARN_GRACE_MS, PEER_WARN_REPEAT_MS, watchPeers } from '../../cli/peer-watch.ts'
import { silentLogger, systemEnv } from '../../src/env/index.ts'
import type { Clock, Timer } from '../../src/env/types.ts'
import { runCli } from './run-cli.ts'

const clock = systemEnv({ log: silentLogger }).clock
const running: NodeProcess[] = []
const dirs: string[] = []

afterEach(async () => {
  await Promise.all(running.splice(0).map((node) => node.kill()))
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })))
})

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'isthmus-node-warn-'))
  dirs.push(dir)
  return dir
}

async function spawnNode(options: NodeProcessOptions): Promise<NodeProcess> {
  const node = await NodeProcess.spawn(options, clock)
  running.push(node)
  return node
}

/** A loopback port nobody listens on: taken from the OS, then released. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())))
  return port
}

/** A clock whose time moves only when the test says. */
function manualClock(): Clock & { advance(ms: number): void } {
  let nowMs = 0
  let timers: Array<{ atMs: number; fn: () => void; cancelled: boolean }> = []
  return {
    now: () => nowMs,
    setTimer(ms: number, fn: () => void): Timer {
      const timer = { atMs: nowMs + ms, fn, cancelled: false }
      timers.push(timer)
      return {
        cancel: () => {
          timer.cancelled = true
        },
      }
    },
    advance(ms: number) {
      const endMs = nowMs + ms
      for (;;) {
        const next = timers.filter((t) => !t.cancelled && t.atMs <= endMs).sort((a, b) => a.atMs - b.atMs)[0]
        if (next === undefined) break
        timers = timers.filter((t) => t !== next)
        nowMs = next.atMs
        next.fn()
      }
      nowMs = endMs
    },
  }
}

describe('isthmus node: a --peer nobody listens at', () => {
  it('is reported on stderr while it stays unreachable', async () => {
    const dir = await tempDir()
    const peer = `/ip4/127.0.0.1/tcp/${await closedPort()}`
    const node = await spawnNode({ listen: '/ip4/127.0.0.1/tcp/0', data: join(dir, 'a'), peers: [peer] })
    await vi.waitFor(
      () => expect(node.stderrTail().join('\n')).toContain(`isthmus node: cannot reach --peer ${peer} (for `),
      { timeout: 30_000, interval: 100 },
    )
    expect(node.stderrTail().filter((line) => line.includes('cannot reach'))).toHaveLength(1)
  })

  it('repeats at a bounded rate, and says when every peer is reached', () => {
    const time = manualClock()
    const lines: string[] = []
    let connected: string[] = []
    const watch = watchPeers({
      peers: ['/ip4/10.0.0.2/tcp/4001/p2p/QmA', '/ip4/10.0.0.3/tcp/4001/p2p/QmB'],
      connected: () => connected,
      clock: time,
      warn: (line) => lines.push(line),
    })
    time.advance(PEER_WARN_GRACE_MS - 1)
    expect(lines).toEqual([])
    time.advance(10 * 60_000)
    // Checks run every second from 1 s; the first line at 4 s (3 s unreachable), then one per
    // repeat interval (64 s, 124 s, … 544 s): 10 lines in 10 minutes, never one per check.
    expect(lines.length).toBe(10)
    expect(PEER_WARN_REPEAT_MS).toBe(60_000)
    expect(lines[0]).toMatch(
      /^isthmus node: cannot reach --peer \/ip4\/10\.0\.0\.2\/tcp\/4001\/p2p\/QmA, \/ip4\/10\.0\.0\.3/,
    )
    connected = ['QmA']
    time.advance(PEER_WARN_REPEAT_MS)
    expect(lines.at(-1)).toMatch(/cannot reach --peer \/ip4\/10\.0\.0\.3\/tcp\/4001\/p2p\/QmB \(/)
    connected = ['QmA', 'QmB']
    const before = lines.length
    time.advance(PEER_WARN_REPEAT_MS * 5)
    expect(lines.slice(before)).toEqual(['isthmus node: reached every --peer address'])
    watch.stop()
  })
})

describe('isthmus node: a port in use', () => {
  it('names the address that is taken, in one line, exit 1', async () => {
    const dir = await tempDir()
    const first = await spawnNode({ listen: '/ip4/127.0.0.1/tcp/0', data: join(dir, 'a') })
    const taken = (first.addresses[0] ?? '').replace(/\/p2p\/[^/]+$/, '')
    const second = await runCli(['node', '--listen', taken, '--data', join(dir, 'b')])
    expect(second.code).toBe(1)
    expect(second.stderr).toBe(
      `isthmus node: cannot listen on ${taken}: address already in use (another process listens there: pick another port, or 0 for any free one)\n`,
    )
  })

  it('reads libp2p listen errors, and leaves other errors alone', () => {
    const libp2pError = new Error(
      'Some configured addresses failed to be listened on, you may need to remove one or more listen addresses from your configuration or set `transportManager.faultTolerance` to NO_FATAL:\n\n  /ip4/127.0.0.1/tcp/80: Error: listen EACCES: permission denied 127.0.0.1:80\n\n  /ip4/10.9.9.9/tcp/1: Error: listen EADDRNOTAVAIL: address not available 10.9.9.9:1\n',
    )
    expect(listenFailure(libp2pError)).toBe(
      'cannot listen on /ip4/127.0.0.1/tcp/80: permission denied (ports below 1024 need privileges); /ip4/10.9.9.9/tcp/1: this machine has no such address',
    )
    expect(listenFailure(new Error('store locked'))).toBeUndefined()
  })
})
