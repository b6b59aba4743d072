/**
 * `isthmus cluster`: N real node processes on loopback through a scripted
 * cut and heal (cluster-script.ts), then the convergence figures. Exit 0
 * iff every node ended with identical values holding every acknowledged write.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { silentLogger } from '../src/env/logger.ts'
import { systemEnv } from '../src/env/system.ts'
import { type ClusterFigures, type ClusterOptions, LoopbackCluster, playScript } from './cluster-script.ts'
import type { CliIo } from './io.ts'
import type { ProgressStream } from './progress.ts'
import { EXIT_CODES, UsageError } from './usage-error.ts'

/** Node processes on one machine: each is a libp2p node, a LevelDB and a Node.js runtime. */
export const CLUSTER_NODES_MAX = 16

export const CLUSTER_USAGE = `usage: isthmus cluster --nodes N [options]

Starts N real nodes (isthmus node processes, libp2p over TCP on 127.0.0.1,
LevelDB in a temporary folder) as a mesh; writes through every node; cuts the
last node off (SIGKILL, then back up behind an allowlist of only itself);
writes on both sides for --duration; heals it (restart with its peers) and
prints how long until every node holds identical values, and the bytes the
healed node received and sent until then. Exit 0 iff the nodes converged with every acknowledged write.

options:
  --nodes N          nodes, 2 to ${CLUSTER_NODES_MAX} (required)
  --duration MS      how long the cut lasts while both sides write (default 2000)
  --writes N         writes through each node before the cut (default 10)
  --heartbeat-ms N   the nodes' heartbeat interval (default 100)
  --timeout MS       the longest wait for any step, healing included (default 30000)
  --json             the figures as one JSON object on stdout
  -h, --help         this text`

/** Runs `isthmus cluster`; resolves with the exit status. */
export async function runCluster(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseClusterArgs(argv)
  if (parsed === 'help') {
    io.stdout.write(`${CLUSTER_USAGE}\n`)
    return EXIT_CODES.ok
  }
  const clock = systemEnv({ log: silentLogger }).clock
  const dir = await mkdtemp(join(tmpdir(), 'isthmus-cluster-'))
  const options: ClusterOptions = { ...parsed.options, dir }
  const cluster = new LoopbackCluster(options, clock)
  const status = new StatusLine(io.stderr, clock.now)
  // Ctrl-C reaches the nodes too (same process group); clean up what is ours.
  const interrupted = () => void cleanUp(cluster, dir).finally(() => process.exit(130))
  process.once('SIGINT', interrupted)
  try {
    const figures = await playScript(cluster, options, (phase) => status.show(phase))
    status.clear()
    io.stdout.write(parsed.json ? `${JSON.stringify(figures)}\n` : render(figures))
    return figures.converged ? EXIT_CODES.ok : EXIT_CODES.violation
  } catch (error) {
    status.clear()
    io.stderr.write(`isthmus cluster: ${error instanceof Error ? error.message : String(error)}\n`)
    for (const node of cluster.running())
      for (const line of node.stderrTail()) io.stderr.write(`  ${node.id.slice(-6)}: ${line}\n`)
    return EXIT_CODES.violation
  } finally {
    process.off('SIGINT', interrupted)
    await cleanUp(cluster, dir)
  }
}

async function cleanUp(cluster: LoopbackCluster, dir: string): Promise<void> {
  await cluster.killAll()
  await rm(dir, { recursive: true, force: true })
}

/** The phase on one line redrawn in place on a terminal; one line per phase in a log. */
class StatusLine {
  readonly #stream: ProgressStream
  readonly #now: () => number
  readonly #startMs: number
  #lastPhase = ''

  constructor(stream: ProgressStream, now: () => number) {
    this.#stream = stream
    this.#now = now
    this.#startMs = now()
  }

  show(phase: string): void {
    const seconds = ((this.#now() - this.#startMs) / 1000).toFixed(1)
    if (this.#stream.isTTY) {
      this.#stream.write(`\r\x1b[K[${seconds} s] ${phase}`)
      return
    }
    // Without a terminal, only the phase's first line (its name up to a colon): a log, not a flood.
    const name = phase.split(':')[0] ?? phase
    if (name !== this.#lastPhase) this.#stream.write(`[${seconds} s] ${phase}\n`)
    this.#lastPhase = name
  }

  clear(): void {
    if (this.#stream.isTTY) this.#stream.write('\r\x1b[K')
  }
}

function render(f: ClusterFigures): string {
  const healed =
    f.heal.convergedMs === null
      ? 'did NOT converge within the timeout'
      : `identical values on all ${f.nodes.length} nodes ${f.heal.convergedMs} ms after it came back`
  const lines = [
    `isthmus cluster: ${f.nodes.length} nodes on 127.0.0.1, heartbeat ${f.heartbeatMs} ms`,
    ...f.nodes.map((n) => `  ${n.name}  ${n.id}  ${n.address.replace(/\/p2p\/[^/]+$/, '')}`),
    `replicated ${f.writesBeforeCut} writes to every node in ${f.replicateMs} ms`,
    `cut ${f.cut.victim} off for ${f.cut.ms} ms: ${f.cut.writesOthers} writes on the other side, ` +
      `${f.cut.writesCutOff} on ${f.cut.victim}; n1 saw ${f.cut.victim} as ${f.cut.victimSeenAs}`,
    `healed ${f.cut.victim}: ${healed}`,
    `  bytes until then: ${kib(f.heal.bytesToHealed)} to ${f.cut.victim}, ${kib(f.heal.bytesFromHealed)} from it`,
    `  ${f.acknowledged - f.missing} of ${f.acknowledged} acknowledged writes on every node`,
    `  nodes stopped cleanly: ${f.cleanStops ? 'yes' : 'no'}`,
    `converged: ${f.converged ? 'yes' : 'no'}`,
  ]
  return `${lines.join('\n')}\n`
}

function kib(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KiB`
}

/** Parses and checks the command line; every mistake is a one-line UsageError. */
export function parseClusterArgs(
  argv: readonly string[],
): { options: Omit<ClusterOptions, 'dir'>; json: boolean } | 'help' {
  let values: Record<string, string | boolean | undefined>
  try {
    ;({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        nodes: { type: 'string' },
        duration: { type: 'string' },
        writes: { type: 'string' },
        'heartbeat-ms': { type: 'string' },
        timeout: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }))
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error)
    throw new UsageError(`cluster: ${(text.split('\n')[0] ?? text).trim()} (see isthmus cluster --help)`)
  }
  if (values.help) return 'help'
  if (values.nodes === undefined) throw new UsageError('cluster: --nodes N is required')
  return {
    options: {
      nodes: integer('nodes', values.nodes, 2, CLUSTER_NODES_MAX, 0),
      durationMs: integer('duration', values.duration, 0, 3_600_000, 2000),
      writesPerNode: integer('writes', values.writes, 0, 10_000, 10),
      heartbeatMs: integer('heartbeat-ms', values['heartbeat-ms'], 10, 60_000, 100),
      timeoutMs: integer('timeout', values.timeout, 1000, 3_600_000, 30_000),
    },
    json: values.json === true,
  }
}

function integer(
  name: string,
  raw: string | boolean | undefined,
  min: number,
  max: number,
  fallback: number,
) {
  if (raw === undefined) return fallback
  const text = String(raw)
  const value = /^[0-9]+$/.test(text) ? Number(text) : Number.NaN
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(
      `cluster: --${name} must be an integer from ${min} to ${max} (got ${JSON.stringify(text)})`,
    )
  }
  return value
}
