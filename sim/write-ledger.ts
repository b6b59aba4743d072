/**
 * Every client write a simulation issued, and what became of it. Each write
 * gets an id unique in the run (`n3:7`: the 7th write issued on n3) that is
 * part of the key and of the value it writes, so no later write can mask it
 * and the checkers find it by value. The no-lost-write and replicas
 * invariants read the acknowledged ones from here.
 */
import type { BackendName } from '../crdt/backend.ts'

/** One acknowledged write, as the checkers look for it. */
export interface AckedWrite {
  /** The node that acknowledged it. */
  node: string
  doc: string
  backend: BackendName
  /** The key it wrote (unique in the run): in the root map "kv" for Yjs, at the root for Automerge. */
  key: string
  /** The value it wrote (unique in the run). */
  value: string
  replicas?: number
  issuedAtMs: number
  /** When its promise resolved. */
  atMs: number
}

/** Writes a ledger keeps: a script, not a load test (runScenario's workloads are bounded the same way). */
export const LEDGER_WRITES_MAX = 1_000_000

export class WriteLedger {
  readonly acked: AckedWrite[] = []
  #issued = 0
  readonly #perNode = new Map<string, number>()

  /** A fresh id for a write issued on `node`; deterministic: writes are issued in event order. */
  nextId(node: string): string {
    const n = (this.#perNode.get(node) ?? 0) + 1
    this.#perNode.set(node, n)
    this.#issued++
    return `${node}:${n}`
  }

  get issued(): number {
    return this.#issued
  }

  ack(write: AckedWrite): void {
    if (this.acked.length < LEDGER_WRITES_MAX) this.acked.push(write)
  }
}
