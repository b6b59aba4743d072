/** What the docs tests share: an Env that keeps its log lines, no-op hooks, and a backend to make updates with. */
import type * as Y from 'yjs'
import { createBackend } from '../../crdt/index.ts'
import type { BackendFactory } from '../../src/docs/doc-registry.ts'
import type { DocReplicaHooks } from '../../src/docs/doc-replica.ts'
import { sinkLogger } from '../../src/env/logger.ts'
import { seededRandom } from '../../src/env/seeded-random.ts'
import type { Env, LogLevel } from '../../src/env/types.ts'

/** Bytes neither backend can read. */
export const GARBAGE = Uint8Array.from([1, 2, 3, 4, 5])

export interface LogLine {
  level: LogLevel
  msg: string
  fields: Record<string, unknown>
}

/** An Env whose clock never fires and whose log lines are kept in `lines`. */
export function testEnv(seed: number): { env: Env; lines: LogLine[] } {
  const lines: LogLine[] = []
  const env: Env = {
    clock: { now: () => 0, setTimer: () => ({ cancel() {} }) },
    random: seededRandom(seed),
    log: sinkLogger((line) => lines.push(line), 'debug'),
  }
  return { env, lines }
}

export const hooks: DocReplicaHooks = { localDurable() {}, changed() {}, storeFailed() {} }

/** A replica of `backend` that sets map keys and returns each edit's update. */
export function editor(backend: 'yjs' | 'automerge', seed: number) {
  const random = seededRandom(seed)
  if (backend === 'yjs') {
    const replica = createBackend('yjs', { random })
    const set = (key: string, value: number) =>
      replica.change((doc: Y.Doc) => doc.getMap('m').set(key, value)) as Uint8Array
    return { backend: replica, set }
  }
  const replica = createBackend('automerge', { random })
  const set = (key: string, value: number) =>
    replica.change((doc: Record<string, number>) => {
      doc[key] = value
    }) as Uint8Array
  return { backend: replica, set }
}

/** The backend factory a node passes to DocRegistry. */
export const backendFactory: BackendFactory = (name, options) => createBackend(name, options)
