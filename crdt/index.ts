/**
 * `isthmus/crdt`: document backends over Yjs and Automerge behind one
 * byte-oriented interface, plus the pieces the replication layer and tests
 * need around it (canonical JSON, the Yjs sync frame codec, the decode error).
 */
import type { Clock, Random } from '../src/env/types.ts'
import { type AutomergeBackend, createAutomergeBackend } from './automerge.ts'
import type { BackendName, DocBackend } from './backend.ts'
import { createYjsBackend, type YjsBackend } from './yjs.ts'

/** Applies many updates in one backend call, leaving out (and reporting) any it cannot read. */
export { type AppliedUpdates, applyUpdatesIsolating, type RejectedUpdate } from './apply-updates.ts'
/** Options of `createAutomergeBackend` and the Automerge backend type (with its current `doc`). */
export type { AutomergeBackend, AutomergeBackendOptions } from './automerge.ts'
/** Opens an Automerge replica: actor id drawn from `random`, optionally loaded from a snapshot. */
export { createAutomergeBackend } from './automerge.ts'
/** The interface every backend implements, its sync session and what one received message did, and the backend names. */
export type { BackendName, DocBackend, PeerSync, SyncReceipt } from './backend.ts'
/** Canonical JSON (recursively sorted keys, no whitespace): what replicas compare byte for byte. */
export { canonicalJson } from './canonical.ts'
/** Thrown for bytes a backend cannot read (update, sync message, saved state, snapshot); the document is left unchanged. */
export { CrdtDecodeError } from './errors.ts'
/** Options of `createYjsBackend` and the Yjs backend type (with its live `ydoc`). */
export type { YjsBackend, YjsBackendOptions } from './yjs.ts'
/** Opens a Yjs replica: client id drawn from `random`, optionally loaded from a snapshot. */
export { createYjsBackend } from './yjs.ts'
/** One frame of the Yjs sync conversation, and a Yjs state vector (client id → next clock). */
export type { StateVector, YjsSyncMessage } from './yjs-sync-codec.ts'
/** The Yjs sync frame codec and its format version; decoding throws CrdtDecodeError on anything it does not know. */
export { decodeYjsSyncMessage, encodeYjsSyncMessage, YJS_SYNC_VERSION } from './yjs-sync-codec.ts'

/** Options of `createBackend`: the union of both backends' options. */
export interface BackendOptions {
  /** Source of the replica's id (Yjs client id, Automerge actor id). */
  random: Random
  /** Bytes from `snapshot()` of the same backend kind. */
  snapshot?: Uint8Array
  /** Timestamps Automerge changes; ignored by Yjs, whose updates carry no time. */
  clock?: Pick<Clock, 'now'>
}

/** Opens a replica of the named backend (`'yjs'` or `'automerge'`). */
export function createBackend(name: 'yjs', options: BackendOptions): YjsBackend
export function createBackend(name: 'automerge', options: BackendOptions): AutomergeBackend
export function createBackend(name: BackendName, options: BackendOptions): DocBackend
export function createBackend(name: BackendName, options: BackendOptions): DocBackend {
  switch (name) {
    case 'yjs':
      return createYjsBackend({ random: options.random, snapshot: options.snapshot })
    case 'automerge':
      return createAutomergeBackend(options)
    default:
      throw new RangeError(`createBackend: unknown backend ${JSON.stringify(name satisfies never)}`)
  }
}
