/**
 * A Replicator on its own: a manual clock, a send that records frames (and
 * refuses them on demand), and replicas that are real Yjs backends behind the
 * few DocReplica members the Replicator uses. For tests that need one frame
 * at a time; protocol runs belong in the simulator (test/sim).
 */
import type { BackendName } from '../../crdt/backend.ts'
import { createYjsBackend, type YjsBackend } from '../../crdt/yjs.ts'
import type { DocReplica } from '../../src/docs/doc-replica.ts'
import { silentLogger } from '../../src/env/logger.ts'
import { seededRandom } from '../../src/env/seeded-random.ts'
import type { Env } from '../../src/env/types.ts'
import { BackendMismatchError } from '../../src/errors.ts'
import { Emitter } from '../../src/events.ts'
import { Replicator, type ReplicatorEvents } from '../../src/sync/replicator.ts'
import type { Frame } from '../../src/sync/wire.ts'

export class ManualClock {
  nowMs = 0
  readonly timers: Array<{ atMs: number; fn: () => void; cancelled: boolean }> = []
  now = () => this.nowMs
  setTimer = (ms: number, fn: () => void) => {
    const timer = { atMs: this.nowMs + ms, fn, cancelled: false }
    this.timers.push(timer)
    return { cancel: () => (timer.cancelled = true) }
  }
  /** Advances to `toMs`, firing due timers in order. */
  advance(toMs: number): void {
    for (;;) {
      const due = this.timers.filter((t) => !t.cancelled && t.atMs <= toMs).sort((a, b) => a.atMs - b.atMs)[0]
      if (!due) break
      due.cancelled = true
      this.nowMs = due.atMs
      due.fn()
    }
    this.nowMs = toMs
  }
}

export interface FakeReplica {
  name: string
  backendName: BackendName
  backend: YjsBackend
  vector: Record<string, number>
  hasGaps: boolean
  held: Array<{ peer: string; seqs: number[] }>
  observed: number[]
  observeOwnSeq(seq: number): void
  heldBy(peer: string, dots: Array<{ seq: number }>): void
  heldUpTo(peer: string, vector: Record<string, number>): void
  applySync(): Promise<void>
  applyLive(from: string, entries: Array<{ origin: string; seq: number }>): Promise<unknown[]>
}

export function fakeReplica(name: string, seed: number, vector: Record<string, number> = {}): FakeReplica {
  const replica: FakeReplica = {
    name,
    backendName: 'yjs',
    backend: createYjsBackend({ random: seededRandom(seed) }),
    vector,
    hasGaps: false,
    held: [],
    observed: [],
    observeOwnSeq(seq) {
      replica.observed.push(seq)
    },
    heldBy(peer, dots) {
      if (dots.length > 0) replica.held.push({ peer, seqs: dots.map((d) => d.seq) })
    },
    heldUpTo(peer, v) {
      const seq = v.self ?? 0
      if (seq > 0) replica.held.push({ peer, seqs: [seq] })
    },
    async applySync() {},
    async applyLive(_from, entries) {
      return entries.map(({ origin, seq }) => ({ origin, seq }))
    },
  }
  return replica
}

export function harness(options: { replicas: FakeReplica[]; conflicts?: string[]; peers?: string[] }) {
  const clock = new ManualClock()
  const env: Env = { clock, random: seededRandom(1), log: silentLogger }
  const sent: Array<{ peer: string; frame: Frame }> = []
  const refuse = { count: 0 }
  const failures: Array<Parameters<ReplicatorEvents['failure']>[0]> = []
  const metrics: Record<string, number> = {}
  const events = new Emitter<ReplicatorEvents>(silentLogger)
  events.on('failure', (f) => failures.push(f))
  events.on('metric', (name, value) => {
    metrics[name] = (metrics[name] ?? 0) + value
  })
  const byName = new Map(options.replicas.map((r) => [r.name, r]))
  const replicator = new Replicator({
    self: 'self',
    env,
    send(peer, frame) {
      if (refuse.count > 0) {
        refuse.count--
        return false
      }
      sent.push({ peer, frame })
      return true
    },
    connected: () => options.peers ?? ['p'],
    async replica(name, backend) {
      if (options.conflicts?.includes(name)) throw new BackendMismatchError(`"${name}" is automerge`)
      let replica = byName.get(name)
      if (!replica) {
        replica = fakeReplica(name, byName.size + 100)
        replica.backendName = backend
        byName.set(name, replica)
      }
      return replica as unknown as DocReplica
    },
    replicas: () => [...byName.values()] as unknown as DocReplica[],
    loadSyncState: async () => undefined,
    saveSyncState: async () => {},
    events,
  })
  /** Lets the promise chains of a frame settle (a macrotask runs after every pending microtask). */
  const settle = () => new Promise<void>((resolve) => setImmediate(resolve))
  return { clock, replicator, sent, refuse, failures, metrics, settle, byName }
}

/** The sync frames sent, as [peer, doc, restart]. */
export function syncStarts(sent: Array<{ peer: string; frame: Frame }>): Array<[string, string, boolean]> {
  return sent.flatMap(({ peer, frame }) =>
    frame.type === 'sync' ? [[peer, frame.doc, frame.restart] as [string, string, boolean]] : [],
  )
}
