/**
 * What went wrong, by who is at fault, so a node answers each failure in the
 * right voice: bad input from a peer is dropped and counted ('rejected'), a
 * document that cannot be reconciled (one name, two backends) and a local
 * fault (a store write, a bug here) are logged, counted and emitted as the
 * node's `error` event. Nothing is swallowed.
 */
import { CrdtDecodeError } from '../../crdt/errors.ts'
import { BackendMismatchError } from '../errors.ts'
import { WireDecodeError } from './frames.ts'

/**
 * - peer-input: bytes or names a peer sent that we cannot take (undecodable
 *   updates or sync messages, a bad document name, one document too many);
 * - conflict: the document exists here with another backend;
 * - store: the store failed (its errors are named `Store…`);
 * - internal: anything else, a fault of this node.
 */
export type FailureKind = 'peer-input' | 'conflict' | 'store' | 'internal'

export function failureKind(error: unknown): FailureKind {
  if (error instanceof BackendMismatchError) return 'conflict'
  // The registry refuses a bad name or backend with TypeError, and one document too many with RangeError.
  if (
    error instanceof CrdtDecodeError ||
    error instanceof WireDecodeError ||
    error instanceof TypeError ||
    error instanceof RangeError
  )
    return 'peer-input'
  // By name: src/ sees the store only through its interface, and names survive wrapping and cloning.
  if (error instanceof Error && error.name.startsWith('Store')) return 'store'
  return 'internal'
}

/** The node's `error` event. */
export interface NodeErrorEvent {
  kind: Exclude<FailureKind, 'peer-input'>
  /** What the node was doing: 'sync', 'updates', 'vectors', 'save sync state', 'save members', 'heartbeat', ... */
  during: string
  /** The document concerned, if one. */
  doc?: string
  /** The peer concerned, if one. */
  peer?: string
  error: unknown
}

/** Where a failure is told: the node's metrics, log and events. */
export interface FailureSinks {
  dropped(reason: string): void
  count(name: string, value: number): void
  log: { log(level: 'warn' | 'error', message: string, fields: Record<string, unknown>): void }
  emit(event: NodeErrorEvent): void
}

/** Counter per kind of failure the node reports as an `error` event. */
export const FAILURE_COUNTERS: Record<NodeErrorEvent['kind'], string> = {
  conflict: 'docErrors',
  store: 'storeErrors',
  internal: 'internalErrors',
}

/** Tells one failure in the voice its kind calls for (see the file comment). */
export function reportFailure(
  sinks: FailureSinks,
  failure: { during: string; doc?: string; peer?: string; error: unknown },
): void {
  const kind = failureKind(failure.error)
  const fields = {
    during: failure.during,
    ...(failure.doc === undefined ? {} : { doc: failure.doc }),
    ...(failure.peer === undefined ? {} : { from: failure.peer }),
    error: String(failure.error),
  }
  if (kind === 'peer-input') {
    sinks.dropped('rejected')
    sinks.log.log('warn', 'a frame could not be applied', fields)
    return
  }
  sinks.count(FAILURE_COUNTERS[kind], 1)
  sinks.log.log('error', kind === 'conflict' ? 'document conflict' : 'local failure', { kind, ...fields })
  sinks.emit({ kind, ...failure })
}
