/**
 * The Transport conformance suite, run against real libp2p transports on
 * 127.0.0.1. Time is real: `advance` waits.
 */

import { runTransportConformance } from '../../transport/conformance.ts'
import { libp2pTransport } from '../../transport/libp2p.ts'
import { LOOPBACK, memoryIdentity, sleep, testEnv } from './harness.ts'

runTransportConformance('libp2p over TCP', async (count) => ({
  peers: Array.from({ length: count }, () => ({
    transport: libp2pTransport({ listen: LOOPBACK }),
    env: testEnv(),
    identity: memoryIdentity(),
  })),
  advance: sleep,
}))
