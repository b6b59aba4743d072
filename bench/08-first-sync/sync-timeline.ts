/**
 * The frames two nodes exchange during a first sync, from both taps: each
 * frame's send and receipt time (matched in order per direction, since a
 * frame stream is ordered and reliable), and from them the chain of frames
 * the sync waited on, which counts its round trips.
 */
import type { FrameKind, FrameTap, TappedFrame } from '../harness/libp2p-nodes.ts'

export type Direction = 'aToB' | 'bToA'

/** One frame between the two nodes: sent by one, received by the other. */
export interface Exchanged {
  direction: Direction
  kind: FrameKind
  bytes: number
  sentMs: number
  /** NaN while it has not been received. */
  receivedMs: number
}

/** Frames each way, at most: a first sync takes a few dozen; the bound stops a runaway from eating memory. */
const FRAMES_MAX = 10_000

/** Records every frame between node a and node b while attached. */
export class SyncTimeline {
  readonly #frames: Record<Direction, Exchanged[]> = { aToB: [], bToA: [] }
  readonly #received: Record<Direction, number> = { aToB: 0, bToA: 0 }
  readonly #taps: FrameTap[]

  constructor(a: { tap: FrameTap; id: string }, b: { tap: FrameTap; id: string }) {
    this.#taps = [a.tap, b.tap]
    a.tap.onFrame = (way, frame) => {
      if (frame.peer === b.id) this.#note(way === 'out' ? 'aToB' : 'bToA', way, frame)
    }
    b.tap.onFrame = (way, frame) => {
      if (frame.peer === a.id) this.#note(way === 'out' ? 'bToA' : 'aToB', way, frame)
    }
  }

  detach(): void {
    for (const tap of this.#taps) tap.onFrame = undefined
  }

  #note(direction: Direction, way: 'out' | 'in', frame: TappedFrame): void {
    const list = this.#frames[direction]
    if (way === 'out') {
      if (list.length < FRAMES_MAX)
        list.push({
          direction,
          kind: frame.kind,
          bytes: frame.bytes,
          sentMs: frame.atMs,
          receivedMs: Number.NaN,
        })
      return
    }
    const sent = list[this.#received[direction]++]
    if (sent !== undefined) sent.receivedMs = frame.atMs
  }

  /** Frames received by `untilMs`, in order of receipt. */
  receivedBy(untilMs: number): Exchanged[] {
    return [...this.#frames.aToB, ...this.#frames.bToA]
      .filter((f) => f.receivedMs <= untilMs)
      .sort((x, y) => x.receivedMs - y.receivedMs)
  }
}

/**
 * One-way trips on the chain that ended in the last a→b frame b received by
 * `untilMs`: from that frame back, each step takes the latest frame its
 * sender had received before sending it (heartbeats aside: they trigger no
 * sync). An upper bound on the critical path, since the latest frame
 * received need not be the one that caused the send.
 */
export function criticalTrips(frames: readonly Exchanged[]): number {
  const chainable = frames.filter((f) => f.kind !== 'heartbeat')
  let current = chainable.filter((f) => f.direction === 'aToB').at(-1)
  let trips = 0
  while (current !== undefined) {
    trips++
    const sentMs = current.sentMs
    const towardSender: Direction = current.direction === 'aToB' ? 'bToA' : 'aToB'
    current = chainable.filter((f) => f.direction === towardSender && f.receivedMs <= sentMs).at(-1)
  }
  return trips
}

/** The last exchange of a first sync: b's request, and a's answer that completed it. */
export interface LastExchange {
  requestSentMs: number
  requestReceivedMs: number
  answerSentMs: number
  answerReceivedMs: number
}

/** The last a→b frame (heartbeats aside) and the last b→a frame a had received before sending it. */
export function lastExchange(frames: readonly Exchanged[]): LastExchange | undefined {
  const chainable = frames.filter((f) => f.kind !== 'heartbeat')
  const answer = chainable.filter((f) => f.direction === 'aToB').at(-1)
  if (answer === undefined) return undefined
  const request = chainable.filter((f) => f.direction === 'bToA' && f.receivedMs <= answer.sentMs).at(-1)
  if (request === undefined) return undefined
  return {
    requestSentMs: request.sentMs,
    requestReceivedMs: request.receivedMs,
    answerSentMs: answer.sentMs,
    answerReceivedMs: answer.receivedMs,
  }
}

/** "vectors 2→ 2←, sync 1→ 1←": frames by kind and direction, for the log. */
export function describeFrames(frames: readonly Exchanged[]): string {
  const counts = new Map<FrameKind, { aToB: number; bToA: number }>()
  for (const f of frames) {
    const entry = counts.get(f.kind) ?? { aToB: 0, bToA: 0 }
    entry[f.direction]++
    counts.set(f.kind, entry)
  }
  return [...counts].map(([kind, c]) => `${kind} ${c.aToB}→ ${c.bToA}←`).join(', ')
}
