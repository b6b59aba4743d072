/**
 * The floor of #8: two bare libp2p nodes configured as the isthmus transport
 * configures its own (transport/libp2p-run.ts: TCP, Noise, Yamux, identify,
 * ping; Ed25519 keys), one dialing the other on loopback. Times the
 * connection (TCP + Noise handshake + Yamux) and a stream open
 * (multistream-select), then the round trip of one byte echoed on that
 * stream. No isthmus code runs here.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import type { Libp2p, Stream } from '@libp2p/interface'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import { median } from '../harness/measure.ts'

const ECHO_PROTOCOL = '/isthmus-bench/echo/1.0.0'
/** Echoes timed for the RTT; the median is kept. */
const RTT_SAMPLES = 21

/** One dial between two fresh bare nodes. */
export interface FloorRun {
  /** dial() call → connection open (TCP, Noise XX, Yamux). */
  connectMs: number
  /** Connection open → stream open (multistream-select of the protocol). */
  streamMs: number
  /** The floor: dial() call → stream open. */
  totalMs: number
  /** One byte there and back on the open stream (median). */
  rttMs: number
}

function bareNode(): Promise<Libp2p> {
  return createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify(), ping: ping() },
  })
}

function echoOnce(stream: Stream): Promise<number> {
  return new Promise((resolve) => {
    const startMs = performance.now()
    const onMessage = (): void => {
      stream.removeEventListener('message', onMessage)
      resolve(performance.now() - startMs)
    }
    stream.addEventListener('message', onMessage)
    stream.send(Uint8Array.of(1))
  })
}

/** Two fresh nodes, one dial, one stream, RTT_SAMPLES echoes; both nodes stopped before it returns. */
export async function measureFloor(): Promise<FloorRun> {
  const [dialer, listener] = await Promise.all([bareNode(), bareNode()])
  try {
    await listener.handle(ECHO_PROTOCOL, (stream) => {
      stream.addEventListener('message', (event) => stream.send(event.data))
    })
    const target = listener.getMultiaddrs()[0]
    if (target === undefined) throw new Error('the floor listener has no address')
    const startMs = performance.now()
    const connection = await dialer.dial(target)
    const connectedMs = performance.now()
    const stream = await connection.newStream(ECHO_PROTOCOL)
    const openMs = performance.now()
    const rtts: number[] = []
    for (let i = 0; i < RTT_SAMPLES; i++) rtts.push(await echoOnce(stream))
    return {
      connectMs: connectedMs - startMs,
      streamMs: openMs - connectedMs,
      totalMs: openMs - startMs,
      rttMs: median(rtts),
    }
  } finally {
    await Promise.all([dialer.stop(), listener.stop()])
  }
}
