/**
 * A child process running `isthmus node --json`, and the client side of its
 * stdin line protocol: `isthmus cluster` drives its nodes with it, and the
 * CLI tests do too. Replies are matched to requests in order (the node
 * answers one line at a time).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type { Clock } from '../src/env/types.ts'

/** How long a node gets to print its start line (libp2p and LevelDB come up in well under a second). */
export const NODE_START_MS_MAX = 20_000

/** How long one stdin command may take: writes are local, so this only trips on a stuck node. */
export const NODE_REPLY_MS_MAX = 10_000

/** stderr lines kept per node for a failure report: the last few explain a crash. */
const STDERR_LINES_KEPT = 20

/** The CLI entry next to this module: main.ts from source, main.js from dist. */
export function cliEntry(): string {
  const extension = import.meta.url.endsWith('.ts') ? 'ts' : 'js'
  return fileURLToPath(new URL(`./main.${extension}`, import.meta.url))
}

export interface NodeProcessOptions {
  listen: string
  data: string
  peers?: string[]
  allow?: string[]
  heartbeatMs?: number
  metricsPort?: number
  /** Extra arguments after the ones above. */
  extra?: string[]
}

export type Reply = Record<string, unknown> & { ok: boolean }

interface Pending {
  resolve(reply: Reply): void
  reject(error: Error): void
}

/** One running `isthmus node`. */
export class NodeProcess {
  readonly id: string
  readonly addresses: string[]
  readonly metricsUrl: string | undefined
  readonly child: ChildProcess
  /** Resolves when the process exits, with its code (null if killed by a signal) and signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  readonly #pending: Pending[] = []
  readonly #stderr: string[]
  readonly #clock: Clock

  private constructor(
    child: ChildProcess,
    started: StartLine,
    exited: NodeProcess['exited'],
    stderr: string[],
    clock: Clock,
  ) {
    this.child = child
    this.id = started.id
    this.addresses = started.addresses
    this.metricsUrl = started.metrics ?? undefined
    this.#stderr = stderr
    this.#clock = clock
    this.exited = exited
    void this.exited.then(() => this.#failPending(new Error(`node ${this.id} exited`)))
  }

  /** Spawns a node and resolves once it printed its start line. */
  static async spawn(options: NodeProcessOptions, clock: Clock): Promise<NodeProcess> {
    const child = spawn(process.execPath, [cliEntry(), 'node', ...nodeArgs(options)], {
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    // 'close', not 'exit': by then stdout is drained, so no reply is still on its way.
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.once('close', (code, signal) => resolve({ code, signal }))
    })
    // A write to a node that just died fails with EPIPE; its exit is reported through `exited`.
    child.stdin?.on('error', () => undefined)
    const stderr: string[] = []
    createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (line) => {
      stderr.push(line)
      if (stderr.length > STDERR_LINES_KEPT) stderr.shift()
    })
    const stdout = createInterface({ input: child.stdout as NodeJS.ReadableStream })
    let node: NodeProcess | undefined
    const started = await new Promise<StartLine>((resolve, reject) => {
      const timer = clock.setTimer(NODE_START_MS_MAX, () => {
        child.kill('SIGKILL')
        reject(new Error(`node did not start within ${NODE_START_MS_MAX} ms: ${stderr.join(' | ')}`))
      })
      void exited.then(({ code }) => {
        timer.cancel()
        reject(new Error(`node exited with ${code} before starting: ${stderr.join(' | ')}`))
      })
      stdout.on('line', (line) => {
        const parsed = parseLine(line)
        if (node) node.#onLine(parsed)
        else if (parsed?.event === 'started') {
          timer.cancel()
          resolve(parsed as unknown as StartLine)
        }
      })
    })
    node = new NodeProcess(child, started, exited, stderr, clock)
    return node
  }

  /** Sends one command line; resolves with its JSON reply. */
  request(line: string): Promise<Reply> {
    const stdin = this.child.stdin
    if (!stdin || stdin.destroyed || this.child.exitCode !== null || this.child.signalCode !== null) {
      return Promise.reject(new Error(`node ${this.id} is not running`))
    }
    return new Promise((resolve, reject) => {
      const timer = this.#clock.setTimer(NODE_REPLY_MS_MAX, () =>
        reject(new Error(`node ${this.id}: no reply to "${line}" within ${NODE_REPLY_MS_MAX} ms`)),
      )
      this.#pending.push({
        resolve: (reply) => {
          timer.cancel()
          resolve(reply)
        },
        reject: (error) => {
          timer.cancel()
          reject(error)
        },
      })
      stdin.write(`${line}\n`)
    })
  }

  /** Like `request`, but a reply with `ok: false` rejects. */
  async command(line: string): Promise<Reply> {
    const reply = await this.request(line)
    if (!reply.ok) throw new Error(`node ${this.id}: "${line}" failed: ${String(reply.error)}`)
    return reply
  }

  /** SIGTERM, then waits for the exit; resolves with the exit code. */
  async stop(): Promise<number | null> {
    this.child.kill('SIGTERM')
    return (await this.exited).code
  }

  /** SIGKILL: no chance to flush or close anything. */
  async kill(): Promise<void> {
    this.child.kill('SIGKILL')
    await this.exited
  }

  /** The last lines the node wrote to stderr. */
  stderrTail(): string[] {
    return [...this.#stderr]
  }

  #onLine(parsed: Record<string, unknown> | undefined): void {
    if (parsed === undefined || 'event' in parsed) return
    this.#pending.shift()?.resolve(parsed as Reply)
  }

  #failPending(error: Error): void {
    for (const pending of this.#pending.splice(0)) pending.reject(error)
  }
}

interface StartLine {
  id: string
  addresses: string[]
  metrics: string | null
}

function nodeArgs(options: NodeProcessOptions): string[] {
  const args = ['--json', '--listen', options.listen, '--data', options.data]
  for (const peer of options.peers ?? []) args.push('--peer', peer)
  if (options.allow) for (const id of options.allow) args.push('--allow', id)
  if (options.heartbeatMs !== undefined) args.push('--heartbeat-ms', String(options.heartbeatMs))
  if (options.metricsPort !== undefined) args.push('--metrics-port', String(options.metricsPort))
  return [...args, ...(options.extra ?? [])]
}

function parseLine(line: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(line)
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}
