/**
 * The trace of a run: every send, delivery, drop, duplicate, timer, fault and
 * node event as one JSON line with its virtual time `t` (ms). Lines are
 * hashed incrementally (SHA-256 over the lines, each ending in a newline) and
 * only kept if a sink is given, so a long run costs constant memory. The hash is the run's fingerprint: the same
 * seed and plan give the same hash in any process.
 *
 *   {"t":12.5,"k":"deliver","from":"n1","to":"n2","msg":17,"bytes":24}
 */

import { createHash } from 'node:crypto'

/** One trace record. `t` is virtual ms; `k` the kind. Field order is the line's key order. */
export type TraceRecord =
  | { t: number; k: 'send' | 'deliver' | 'dup'; from: string; to: string; msg: number; bytes: number }
  | { t: number; k: 'drop'; from: string; to: string; msg: number; why: DropReason }
  | { t: number; k: 'timer'; node: string }
  | { t: number; k: 'connect' | 'disconnect'; node: string; peer: string }
  | { t: number; k: 'fault'; fault: string; args: unknown[]; skipped?: string }
  | { t: number; k: 'node'; node: string; what: NodeEventName; detail?: string }
  | { t: number; k: 'op'; node: string; op: string; args: unknown; skipped?: string }
  | { t: number; k: 'op-done'; node: string; op: string; index: number }
  | {
      t: number
      k: 'op-error'
      node: string
      op: string
      index: number
      error: string
      message: string
      expected: boolean
    }
  | { t: number; k: 'store'; node: string; what: StoreEventName; detail: unknown }
  | { t: number; k: 'phase'; phase: 'safety' | 'liveness' | 'done' }
  | { t: number; k: 'options'; seed: number; options: unknown }
  | { t: number; k: 'violation'; invariant: string; detail: string }
  | {
      t: number
      k: 'task'
      node: string
      what: TaskTraceName
      task: string
      kind: string
      epoch: number
      attempt: number
      outcome?: 'ok' | 'error' | 'crashed'
    }

export type TraceKind = TraceRecord['k']

/** Why a frame did not arrive: random loss, a cut link, a dead connection, too big, or a stopped receiver. */
export type DropReason = 'loss' | 'cut' | 'down' | 'oversize' | 'stopped'

/** What storage faults did: a power loss's fate for unsynced writes, records rotted, a fault that found nothing to do. */
export type StoreEventName = 'power-loss' | 'rot' | 'rot-none' | 'crash-writes'

/** A handler execution (sim/work-ledger.ts): a run attempt or a compensation, begun or ended. */
export type TaskTraceName = 'run' | 'run-end' | 'compensate' | 'compensate-end'

/** A node lifecycle event. */
export type NodeEventName = 'start' | 'started' | 'crash' | 'restart' | 'stop' | 'stopped' | 'pause' | 'error'

export interface TraceOptions {
  /** Record timer fires (default true). Off saves a line per heartbeat; the hash then covers fewer events. */
  timers?: boolean
  /** Receives every line (without a newline), e.g. to write a `--trace` file. */
  sink?: (line: string) => void
}

/** JSON for a record. The hot kinds are formatted by hand (ids are validated plain tokens). */
export function formatTraceLine(r: TraceRecord): string {
  switch (r.k) {
    case 'send':
    case 'deliver':
    case 'dup':
      return `{"t":${r.t},"k":"${r.k}","from":"${r.from}","to":"${r.to}","msg":${r.msg},"bytes":${r.bytes}}`
    case 'timer':
      return `{"t":${r.t},"k":"timer","node":"${r.node}"}`
    default:
      return JSON.stringify(r)
  }
}

/** Characters of trace text hashed per `update` call: batching makes hashing ~100 ns a line. */
const hashBatchCharsMax = 64 * 1024

/** SHA-256 over the trace text, fed in batches. The fingerprint is its first 16 hex digits. */
class TraceHasher {
  readonly #hash = createHash('sha256')
  #pending = ''

  add(line: string): void {
    this.#pending += line
    this.#pending += '\n'
    if (this.#pending.length >= hashBatchCharsMax) this.#flush()
  }

  #flush(): void {
    this.#hash.update(this.#pending, 'utf8')
    this.#pending = ''
  }

  hex(): string {
    this.#flush()
    return this.#hash.copy().digest('hex').slice(0, 16)
  }
}

/** Records, hashes and counts trace lines; forwards records to observers (checkers). */
export class Trace {
  readonly #hash = new TraceHasher()
  readonly #sink: ((line: string) => void) | undefined
  readonly #counts = new Map<TraceKind, number>()
  readonly #observers: Array<(record: TraceRecord) => void> = []
  readonly timers: boolean
  #lines = 0

  constructor(options: TraceOptions = {}) {
    this.timers = options.timers ?? true
    this.#sink = options.sink
  }

  /** Adds a record: hashed, counted, sent to the sink and to every observer. */
  record(record: TraceRecord): void {
    const line = formatTraceLine(record)
    this.#hash.add(line)
    this.#lines++
    this.#counts.set(record.k, (this.#counts.get(record.k) ?? 0) + 1)
    this.#sink?.(line)
    for (const observe of this.#observers) observe(record)
  }

  /** Calls `observe` with every later record. */
  observe(observe: (record: TraceRecord) => void): void {
    this.#observers.push(observe)
  }

  /** The hash over every line so far, as 16 hex digits. */
  hash(): string {
    return this.#hash.hex()
  }

  get lines(): number {
    return this.#lines
  }

  /** Records of one kind so far. */
  count(kind: TraceKind): number {
    return this.#counts.get(kind) ?? 0
  }
}
