/**
 * What #2 compares reconciliation with, all computed from the two sides' end
 * states of the same run: the library-minimal delta each way and the time to
 * apply it; a y-protocols sync step 1/2 exchange (Yjs); and two
 * automerge-repo Repos syncing over a MessageChannel (Automerge).
 *
 * automerge-repo 2.x ships its MessageChannel adapter as a separate package,
 * `@automerge/automerge-repo-network-messagechannel`, which is not installed
 * here; `PortAdapter` below is a minimal in-process stand-in written against
 * automerge-repo's NetworkAdapter interface: the same arrive/welcome
 * handshake, then every repo message posted as-is over a node MessagePort.
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads'
import * as Automerge from '@automerge/automerge'
import {
  cbor,
  type DocumentId,
  generateAutomergeUrl,
  type Message,
  NetworkAdapter,
  type PeerId,
  type PeerMetadata,
  parseAutomergeUrl,
  Repo,
} from '@automerge/automerge-repo'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import * as syncProtocol from 'y-protocols/sync'
import * as Y from 'yjs'
import { median } from '../harness/measure.ts'
import type { SideState } from './heal-sim.ts'

/** Times each apply is repeated (on a fresh copy); the median is kept. */
const APPLY_ROUNDS = 3
/** Wall ms the automerge-repo exchange may take before the bench gives up on it. */
const REPO_SYNC_MS_MAX = 120_000

/** The delta each side lacks, in the library's own encoding, and what applying it costs. */
export interface MinimalDelta {
  /** Bytes side A lacks (B's news), and side B lacks (A's news). */
  toABytes: number
  toBBytes: number
  /** Wall ms to apply each on a copy of the receiving side (median of APPLY_ROUNDS). */
  applyToAMs: number
  applyToBMs: number
}

/** A two-party peer exchange: bytes it sent (both ways) and wall ms until both held the merge. */
export interface PeerExchange {
  bytes: number
  /** What the library's own sync messages took, without the peer's envelope. */
  payloadBytes: number
  messages: number
  wallMs: number
}

function timedMs(fn: () => void): number {
  const startMs = performance.now()
  fn()
  return performance.now() - startMs
}

function yDoc(snapshot: Uint8Array): Y.Doc {
  const doc = new Y.Doc()
  Y.applyUpdate(doc, snapshot)
  return doc
}

/** Yjs: `encodeStateAsUpdate(docB, encodeStateVector(docA))` both ways, and `applyUpdate` of each. */
export function yjsMinimalDelta(a: SideState, b: SideState): MinimalDelta {
  const docA = yDoc(a.snapshot)
  const docB = yDoc(b.snapshot)
  const toA = Y.encodeStateAsUpdate(docB, Y.encodeStateVector(docA))
  const toB = Y.encodeStateAsUpdate(docA, Y.encodeStateVector(docB))
  const applyMs = (snapshot: Uint8Array, delta: Uint8Array) =>
    median(
      Array.from({ length: APPLY_ROUNDS }, () => {
        const doc = yDoc(snapshot)
        return timedMs(() => Y.applyUpdate(doc, delta))
      }),
    )
  return {
    toABytes: toA.length,
    toBBytes: toB.length,
    applyToAMs: applyMs(a.snapshot, toA),
    applyToBMs: applyMs(b.snapshot, toB),
  }
}

/** Automerge: the changes each side lacks (everything since the shared preload heads), and `applyChanges`. */
export function automergeMinimalDelta(a: SideState, b: SideState, preload: Uint8Array): MinimalDelta {
  const shared = Automerge.getHeads(Automerge.load(preload))
  const docA = Automerge.load(a.snapshot)
  const docB = Automerge.load(b.snapshot)
  const toA = Automerge.getChangesSince(docB, shared)
  const toB = Automerge.getChangesSince(docA, shared)
  const bytes = (changes: Uint8Array[]) => changes.reduce((sum, c) => sum + c.length, 0)
  const applyMs = (doc: Automerge.Doc<unknown>, changes: Uint8Array[]) =>
    median(
      Array.from({ length: APPLY_ROUNDS }, () => {
        const copy = Automerge.clone(doc)
        return timedMs(() => Automerge.applyChanges(copy, changes))
      }),
    )
  return {
    toABytes: bytes(toA),
    toBBytes: bytes(toB),
    applyToAMs: applyMs(docA, toA),
    applyToBMs: applyMs(docB, toB),
  }
}

/**
 * y-protocols, as y-websocket peers open a connection: each side sends sync
 * step 1 (its state vector) at once, each answers the other's with step 2
 * (the diff), each applies the answer. Bytes are the four sync messages.
 */
export function yProtocolsExchange(a: SideState, b: SideState): PeerExchange {
  const docA = yDoc(a.snapshot)
  const docB = yDoc(b.snapshot)
  const message = (write: (e: encoding.Encoder) => void) => {
    const e = encoding.createEncoder()
    write(e)
    return encoding.toUint8Array(e)
  }
  const answer = (doc: Y.Doc, request: Uint8Array) =>
    message((e) => syncProtocol.readSyncMessage(decoding.createDecoder(request), e, doc, 'peer'))
  const sent: Uint8Array[] = []
  const wallMs = timedMs(() => {
    const step1A = message((e) => syncProtocol.writeSyncStep1(e, docA))
    const step1B = message((e) => syncProtocol.writeSyncStep1(e, docB))
    const step2B = answer(docB, step1A)
    const step2A = answer(docA, step1B)
    answer(docA, step2B)
    answer(docB, step2A)
    sent.push(step1A, step1B, step2A, step2B)
  })
  if (docA.getText('text').toString() !== docB.getText('text').toString())
    throw new Error('heal-convergence: the y-protocols exchange did not converge')
  const bytes = sent.reduce((sum, m) => sum + m.length, 0)
  return { bytes, payloadBytes: bytes, messages: sent.length, wallMs }
}

/** The adapter's own handshake, then automerge-repo's messages as they are. */
type PortMessage =
  | Message
  | { type: 'arrive'; senderId: PeerId; peerMetadata: PeerMetadata }
  | { type: 'welcome'; senderId: PeerId; targetId: PeerId; peerMetadata: PeerMetadata }

interface PortCounts {
  bytes: number
  payloadBytes: number
  messages: number
}

/** See the file comment: a minimal MessageChannel NetworkAdapter that counts what it sends. */
class PortAdapter extends NetworkAdapter {
  readonly #port: MessagePort
  readonly #counts: PortCounts

  constructor(port: MessagePort, counts: PortCounts) {
    super()
    this.#port = port
    this.#counts = counts
  }

  isReady(): boolean {
    return true
  }

  whenReady(): Promise<void> {
    return Promise.resolve()
  }

  connect(peerId: PeerId, peerMetadata?: PeerMetadata): void {
    this.peerId = peerId
    this.peerMetadata = peerMetadata ?? {}
    this.#port.on('message', (message: PortMessage) => this.#receive(message))
    this.#post({ type: 'arrive', senderId: peerId, peerMetadata: this.peerMetadata })
  }

  #receive(message: PortMessage): void {
    if (message.type === 'arrive' || message.type === 'welcome') {
      const { senderId, peerMetadata } = message as { senderId: PeerId; peerMetadata: PeerMetadata }
      if (message.type === 'arrive') {
        const self = this.peerId as PeerId
        this.#post({
          type: 'welcome',
          senderId: self,
          targetId: senderId,
          peerMetadata: this.peerMetadata ?? {},
        })
      }
      this.emit('peer-candidate', { peerId: senderId, peerMetadata })
    } else this.emit('message', message as Message)
  }

  send(message: Message): void {
    this.#post(message)
  }

  #post(message: PortMessage): void {
    const data = (message as { data?: unknown }).data
    if (data instanceof Uint8Array) this.#counts.payloadBytes += data.byteLength
    // What its websocket adapter would put on the wire: the message as CBOR.
    this.#counts.bytes += cbor.encode(message).byteLength
    this.#counts.messages++
    this.#port.postMessage(message)
  }

  disconnect(): void {
    this.#port.close()
  }
}

function sameHeads(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().every((h, i) => h === [...b].sort()[i])
}

/**
 * Two Repos, each holding one side's document under one document id,
 * connected over a MessageChannel; wall time from connecting until both hold
 * the merged heads.
 */
export async function automergeRepoExchange(a: SideState, b: SideState): Promise<PeerExchange> {
  const docA = Automerge.load<unknown>(a.snapshot)
  const docB = Automerge.load<unknown>(b.snapshot)
  const target = Automerge.getHeads(Automerge.merge(Automerge.clone(docA), docB))
  const documentId: DocumentId = parseAutomergeUrl(generateAutomergeUrl()).documentId
  const repoA = new Repo({ peerId: 'repo-a' as PeerId, sharePolicy: async () => true })
  const repoB = new Repo({ peerId: 'repo-b' as PeerId, sharePolicy: async () => true })
  const handleA = repoA.import<unknown>(a.snapshot, { docId: documentId })
  const handleB = repoB.import<unknown>(b.snapshot, { docId: documentId })
  await Promise.all([handleA.whenReady(), handleB.whenReady()])
  const counts: PortCounts = { bytes: 0, payloadBytes: 0, messages: 0 }
  const merged = (handle: typeof handleA) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (!sameHeads(Automerge.getHeads(handle.doc()), target)) return
        handle.off('heads-changed', check)
        resolve()
      }
      handle.on('heads-changed', check)
      check()
    })
  const channel = new MessageChannel()
  const startMs = performance.now()
  repoA.networkSubsystem.addNetworkAdapter(new PortAdapter(channel.port1, counts))
  repoB.networkSubsystem.addNetworkAdapter(new PortAdapter(channel.port2, counts))
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('automerge-repo did not converge')), REPO_SYNC_MS_MAX)
  })
  await Promise.race([Promise.all([merged(handleA), merged(handleB)]), timeout])
  const wallMs = performance.now() - startMs
  clearTimeout(timer)
  channel.port1.close()
  await Promise.all([repoA.shutdown(), repoB.shutdown()])
  return { ...counts, wallMs }
}
