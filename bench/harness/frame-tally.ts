/**
 * Wire bytes by frame type, counted at each simulated node's transport. The
 * node's own metrics (`bytesOut`) lump heartbeats with replication; a bench
 * that prices reconciliation needs them apart, so it wraps the transport the
 * simulator hands each node and tallies every frame the transport accepted.
 */
import { type AgentSimOptions, agentNodeFactory } from '../../sim/agent-nodes.ts'
import type { SimNodeFactory } from '../../sim/node-host.ts'
import type { AgentNode } from '../../src/node/agent-node.ts'
import { decodeFrame, type Frame } from '../../src/node/frames.ts'
import type { Transport } from '../../transport/transport.ts'

export type FrameType = Frame['type']

const frameTypes: readonly FrameType[] = ['heartbeat', 'vectors', 'sync', 'updates', 'ack']

/** Frames and bytes sent, by type; `syncPayloadBytes` is what the CRDT library's own sync messages took. */
export interface Tally {
  bytes: Record<FrameType, number>
  frames: Record<FrameType, number>
  syncPayloadBytes: number
}

function emptyTally(): Tally {
  const zeros = () => Object.fromEntries(frameTypes.map((t) => [t, 0])) as Record<FrameType, number>
  return { bytes: zeros(), frames: zeros(), syncPayloadBytes: 0 }
}

/** Bytes of every frame type but heartbeats: what replication cost on the wire. */
export function replicationBytes(tally: Tally): number {
  return frameTypes.reduce((sum, t) => (t === 'heartbeat' ? sum : sum + tally.bytes[t]), 0)
}

/** `later` minus `earlier`, field by field. */
export function tallySince(later: Tally, earlier: Tally): Tally {
  const out = emptyTally()
  for (const t of frameTypes) {
    out.bytes[t] = later.bytes[t] - earlier.bytes[t]
    out.frames[t] = later.frames[t] - earlier.frames[t]
  }
  out.syncPayloadBytes = later.syncPayloadBytes - earlier.syncPayloadBytes
  return out
}

/** One running tally over every node of a simulation. */
export class FrameTally {
  readonly #tally = emptyTally()

  /** A copy of the counts so far. */
  snapshot(): Tally {
    return structuredClone(this.#tally)
  }

  #add(bytes: Uint8Array): void {
    // The node encoded it a moment ago: a frame we cannot decode here is a bench bug.
    const frame = decodeFrame(bytes)
    this.#tally.bytes[frame.type] += bytes.length
    this.#tally.frames[frame.type]++
    if (frame.type === 'sync') this.#tally.syncPayloadBytes += frame.payload.length
  }

  /** `inner`, counting every frame it accepts. */
  wrap(inner: Transport): Transport {
    return {
      start: (ctx) => inner.start(ctx),
      stop: () => inner.stop(),
      send: (peer, frame) => {
        const sent = inner.send(peer, frame)
        if (sent) this.#add(frame)
        return sent
      },
      connected: () => inner.connected(),
      addresses: () => inner.addresses(),
      dial: (address) => inner.dial(address),
    }
  }

  /** Real isthmus nodes (agentNodeFactory) whose transports this tally counts. */
  factory(): SimNodeFactory<AgentNode, AgentSimOptions> {
    return (ctx) => agentNodeFactory({ ...ctx, transport: this.wrap(ctx.transport) })
  }
}
