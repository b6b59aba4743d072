/**
 * `isthmus node`: one real node (libp2p over TCP, LevelDB in --data) that
 * runs until SIGINT or SIGTERM, then stops cleanly (streams closed, store
 * closed, exit 0). It prints who it is on start and answers a line protocol
 * on stdin, one JSON line per command, which is how tests, `isthmus cluster`
 * and people at a terminal talk to it.
 */
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import { stderrLogger } from '../src/env/logger.ts'
import { systemEnv } from '../src/env/system.ts'
import type { LogLevel } from '../src/env/types.ts'
import type { AgentNode, StoreDamageReport } from '../src/node/agent-node.ts'
import { createNode } from '../src/node/create-node.ts'
import { type MetricsServer, startMetricsServer } from '../src/node/metrics-server.ts'
import { type LevelStoreSalvage, levelStore } from '../store/classic-level-store.ts'
import { StoreDamagedError, StoreNotAStoreError } from '../store/errors.ts'
import { libp2pTransport } from '../transport/libp2p.ts'
import { TransportOptionsError } from '../transport/libp2p-errors.ts'
import {
  type Libp2pTransportOptions,
  resolveOptions as resolveTransportOptions,
} from '../transport/libp2p-options.ts'
import type { CliIo } from './io.ts'
import { listenFailure } from './listen-error.ts'
import { DEMO_KINDS, nodeHandlers } from './node-handlers.ts'
import { nodeStatus } from './node-status.ts'
import { answer, STDIN_USAGE } from './node-stdin.ts'
import { watchPeers } from './peer-watch.ts'
import { statusPageHtml } from './status-page.ts'
import { EXIT_CODES, UsageError } from './usage-error.ts'

export const NODE_USAGE = `usage: isthmus node --listen MULTIADDR --data DIR [options]

Runs one node until SIGINT or SIGTERM, then stops cleanly (exit 0).

options:
  --listen MULTIADDR...   where to listen, e.g. /ip4/0.0.0.0/tcp/4001 (port 0: any free port)
  --data DIR              the node's LevelDB folder; its identity (node id) lives there too
  --peer MULTIADDR...     peers to dial and keep dialing, e.g. /ip4/10.0.0.2/tcp/4001/p2p/12D3Koo...
  --allow PEERID...       only these peers may connect (either direction); default: anyone
  --metrics-port N        serve Prometheus metrics at http://HOST:N/metrics and a live status
                          page at http://HOST:N/ (0: any free port)
  --metrics-host HOST     interface for --metrics-port (default 127.0.0.1)
  --heartbeat-ms N        heartbeat interval (default 250)
  --handlers FILE         task handlers: a .js or .ts module exporting { [kind]: TaskHandler }
                          (default export or \`handlers\`); built in: ${DEMO_KINDS.join(', ')}
  --log-level LEVEL       debug, info, warn (default) or error; logs are JSON lines on stderr
  --json                  print the start line as JSON: {"event":"started","id","addresses","metrics"}
  --salvage               open a --data folder whose LevelDB files are damaged: keep a copy of them in
                          DIR/isthmus-damaged-N, let LevelDB recover what it can, print what it dropped
                          (without it, such a node refuses to start and changes nothing)
  -h, --help              this text

A flag marked ... takes several values (--peer A B) or repeats (--peer A --peer B).

On start it prints "id ID", one "address MULTIADDR" per address and, with
--metrics-port, "metrics URL". Then it reads commands on stdin, one per line,
and answers each with one JSON line on stdout ({"ok":true,...} or {"ok":false,"error":...}):
${STDIN_USAGE}
End of input (stdin closed) leaves the node running.`

/** Values one list flag takes: a cluster config naming every node is fine, a runaway script is not. */
const LIST_VALUES_MAX = 1024

const LIST_FLAGS = new Set(['--listen', '--peer', '--allow'])

/** The node could not start or serve (port in use, store locked): not a bad command line (2). */
const EXIT_START_FAILED = 1
const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error']

interface NodeArgs {
  listen: string[]
  peers: string[]
  allow: string[] | undefined
  data: string
  metricsPort: number | undefined
  metricsHost: string
  heartbeatMs: number | undefined
  handlers: string | undefined
  logLevel: LogLevel
  json: boolean
  salvage: boolean
}

/** Runs `isthmus node`; resolves with the exit status once the node has stopped. */
export async function runNode(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseNodeArgs(argv)
  if (args === 'help') {
    io.stdout.write(`${NODE_USAGE}\n`)
    return EXIT_CODES.ok
  }
  const handlers = await nodeHandlers(args.handlers)
  const env = systemEnv({ log: stderrLogger(args.logLevel) })
  const transport = libp2pTransport(transportOptions(args))
  const node = await createNode({
    env,
    transport,
    store: levelStore({
      path: args.data,
      onDamage: args.salvage ? 'salvage' : 'refuse',
      onSalvage: (salvage) => io.stderr.write(`${salvageLine(args.data, salvage)}\n`),
    }),
    ...(args.heartbeatMs === undefined ? {} : { heartbeatMs: args.heartbeatMs }),
    handlers,
  })
  // Subscribed before start(): the store's damage is reported while it starts.
  node.on('corrupt', (report) => io.stderr.write(`${recordDamageLine(args.data, report)}\n`))
  try {
    await node.start()
  } catch (error) {
    if (error instanceof StoreNotAStoreError)
      throw new UsageError(`node: --data ${args.data}: ${error.message}`)
    if (error instanceof StoreDamagedError) {
      const hint =
        error.damage.length > 0 ? '; nothing was changed (--salvage keeps a copy and recovers the rest)' : ''
      io.stderr.write(`isthmus node: --data ${args.data}: damaged store: ${error.summary}${hint}\n`)
      return EXIT_START_FAILED
    }
    const listen = listenFailure(error)
    io.stderr.write(`isthmus node: ${listen ?? `cannot start: ${oneLine(message(error))}`}\n`)
    return EXIT_START_FAILED
  }
  let metrics: MetricsServer | undefined
  try {
    if (args.metricsPort !== undefined)
      metrics = await startMetricsServer(node, {
        port: args.metricsPort,
        host: args.metricsHost,
        pages: statusPages(node),
      })
  } catch (error) {
    await node.stop()
    io.stderr.write(
      `isthmus node: cannot serve metrics on port ${args.metricsPort}: ${oneLine(message(error))}\n`,
    )
    return EXIT_START_FAILED
  }
  announce(io, node, metrics, args.json)
  const peerWatch = watchPeers({
    peers: args.peers,
    connected: () => transport.connected(),
    clock: env.clock,
    warn: (line) => io.stderr.write(`${line}\n`),
  })
  await serveUntilStopped(node, io)
  peerWatch.stop()
  await metrics?.close()
  await node.stop()
  if (args.json) io.stdout.write(`${JSON.stringify({ event: 'stopped', id: node.id })}\n`)
  return EXIT_CODES.ok
}

/**
 * The one line printed when the store held less than the node had made
 * durable: records that failed their checksum, and per document what is
 * missing (those documents' claims are withdrawn and peers fill them in).
 */
export function recordDamageLine(data: string, report: StoreDamageReport): string {
  const docs = report.documents.map((d) => {
    const missing = Object.entries(d.missing)
      .map(([origin, n]) => `${origin}: ${n}`)
      .join(', ')
    return `${d.doc}${missing ? ` (missing ${missing})` : ''}`
  })
  const what = `${report.corrupt.length} damaged record${report.corrupt.length === 1 ? '' : 's'} skipped`
  const where = docs.length > 0 ? `; documents fetched again from peers: ${docs.join(', ')}` : ''
  return `isthmus node: --data ${data}: ${what}${where}`
}

/** The status page at `/` and the JSON it refreshes from. */
function statusPages(node: AgentNode) {
  return {
    '/': () => ({ contentType: 'text/html; charset=utf-8', body: statusPageHtml(nodeStatus(node)) }),
    '/status.json': () => ({
      contentType: 'application/json; charset=utf-8',
      body: JSON.stringify(nodeStatus(node)),
    }),
  }
}

/** The one line `--salvage` prints when it opened a damaged store. */
function salvageLine(data: string, salvage: LevelStoreSalvage): string {
  return `isthmus node: --data ${data}: salvaged a damaged store: ${salvage.summary}; the files as they were are in ${salvage.evidence}`
}

function announce(io: CliIo, node: AgentNode, metrics: MetricsServer | undefined, json: boolean): void {
  if (json) {
    const line = { event: 'started', id: node.id, addresses: node.addresses(), metrics: metrics?.url ?? null }
    io.stdout.write(`${JSON.stringify(line)}\n`)
    return
  }
  const lines = [`id ${node.id}`, ...node.addresses().map((a) => `address ${a}`)]
  if (metrics) lines.push(`metrics ${metrics.url}`)
  io.stdout.write(`${lines.join('\n')}\n`)
}

/**
 * Answers stdin until SIGINT, SIGTERM or `stop`. Commands run one at a time,
 * in order (the async iterator reads the next line only when asked), so a
 * reply always belongs to the oldest unanswered line.
 */
async function serveUntilStopped(node: AgentNode, io: CliIo): Promise<void> {
  const lines = createInterface({
    input: process.stdin,
    crlfDelay: Number.POSITIVE_INFINITY,
    terminal: false,
  })
  let stopRequested!: () => void
  const stopped = new Promise<void>((resolve) => {
    stopRequested = resolve
  })
  const onSignal = () => stopRequested()
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  const serving = (async () => {
    for await (const line of lines) {
      const reply = await answer(node, line, stopRequested)
      if (reply !== undefined) io.stdout.write(`${JSON.stringify(reply)}\n`)
    }
  })().catch((error: unknown) => io.stderr.write(`isthmus node: stdin: ${message(error)}\n`))
  await stopped
  process.off('SIGINT', onSignal)
  process.off('SIGTERM', onSignal)
  // A second signal while stopping means "now": the store's own crash safety covers it.
  const force = () => process.exit(EXIT_START_FAILED)
  process.once('SIGINT', force)
  process.once('SIGTERM', force)
  lines.close()
  process.stdin.destroy()
  await serving // the command in progress finishes before the node stops
}

function transportOptions(args: Pick<NodeArgs, 'listen' | 'peers' | 'allow'>): Libp2pTransportOptions {
  return {
    listen: args.listen,
    bootstrap: args.peers,
    ...(args.allow === undefined ? {} : { allow: args.allow }),
  }
}

/** Multiaddrs and peer ids, checked as the transport will check them, reported as the flags given. */
function checkTransportOptions(args: Pick<NodeArgs, 'listen' | 'peers' | 'allow'>): void {
  try {
    resolveTransportOptions(transportOptions(args))
  } catch (error) {
    if (error instanceof TransportOptionsError) {
      // The transport names its options; say them as the flags the user typed.
      const flags = error.problems.map((p) =>
        p.replace(/^(listen|bootstrap|allow)\b/, (o) => `--${o === 'bootstrap' ? 'peer' : o}`),
      )
      throw new UsageError(`node: ${flags.join('; ')}`)
    }
    throw error
  }
}

/** Parses and checks the command line; every mistake is a one-line UsageError. */
export function parseNodeArgs(argv: readonly string[]): NodeArgs | 'help' {
  let values: Record<string, string | string[] | boolean | undefined>
  try {
    ;({ values } = parseArgs({
      args: expandLists(argv),
      strict: true,
      allowPositionals: false,
      options: {
        listen: { type: 'string', multiple: true },
        peer: { type: 'string', multiple: true },
        allow: { type: 'string', multiple: true },
        data: { type: 'string' },
        'metrics-port': { type: 'string' },
        'metrics-host': { type: 'string' },
        'heartbeat-ms': { type: 'string' },
        handlers: { type: 'string' },
        'log-level': { type: 'string' },
        json: { type: 'boolean' },
        salvage: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }))
  } catch (error) {
    throw new UsageError(`node: ${firstLine(message(error))} (see isthmus node --help)`)
  }
  if (values.help) return 'help'
  const listen = values.listen as string[] | undefined
  if (!listen?.length)
    throw new UsageError('node: --listen MULTIADDR is required (e.g. /ip4/0.0.0.0/tcp/4001)')
  if (typeof values.data !== 'string' || values.data === '')
    throw new UsageError('node: --data DIR is required')
  if (values.handlers === '') throw new UsageError('node: --handlers needs a FILE')
  const logLevel = (values['log-level'] ?? 'warn') as LogLevel
  if (!LOG_LEVELS.includes(logLevel))
    throw new UsageError(`node: --log-level must be one of ${LOG_LEVELS.join(', ')}`)
  const lists = { listen, peer: (values.peer as string[]) ?? [], allow: values.allow as string[] | undefined }
  for (const [name, list] of Object.entries(lists)) {
    if ((list?.length ?? 0) > LIST_VALUES_MAX)
      throw new UsageError(`node: at most ${LIST_VALUES_MAX} --${name} values`)
  }
  checkTransportOptions({ listen, peers: lists.peer, allow: lists.allow })
  return {
    listen,
    peers: lists.peer,
    allow: lists.allow,
    data: values.data,
    metricsPort: integer('metrics-port', values['metrics-port'], 0, 65_535),
    metricsHost: typeof values['metrics-host'] === 'string' ? values['metrics-host'] : '127.0.0.1',
    heartbeatMs: integer('heartbeat-ms', values['heartbeat-ms'], 1, 60_000),
    handlers: typeof values.handlers === 'string' && values.handlers !== '' ? values.handlers : undefined,
    logLevel,
    json: values.json === true,
    salvage: values.salvage === true,
  }
}

/** `--peer A B --json` → `--peer A --peer B --json`: a list flag takes every value up to the next flag. */
function expandLists(argv: readonly string[]): string[] {
  const out: string[] = []
  let list: string | undefined
  for (const arg of argv) {
    if (arg.startsWith('-')) {
      list = LIST_FLAGS.has(arg) ? arg : undefined
      out.push(arg)
      continue
    }
    const previous = out.at(-1)
    if (list !== undefined && previous !== list) out.push(list)
    out.push(arg)
  }
  return out
}

function integer(name: string, raw: unknown, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined
  const text = String(raw)
  const value = /^[0-9]+$/.test(text) ? Number(text) : Number.NaN
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(
      `node: --${name} must be an integer from ${min} to ${max} (got ${JSON.stringify(text)})`,
    )
  }
  return value
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** An error as one line: libp2p's listen errors span several, with stack frames. */
function oneLine(text: string): string {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('at '))
    .join(' ')
}

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? text).trim()
}
