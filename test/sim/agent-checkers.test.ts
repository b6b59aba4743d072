/**
 * The invariants over real nodes must be able to fail: a node that never
 * sends replication frames (only heartbeats) is caught, and the same seed
 * gives the same trace hash twice.
 */
import { describe, expect, it } from 'vitest'
import {
  type AckedWrites,
  agentInvariants,
  agentNodeFactory,
  applyWrite,
  runScenario,
  type SimNodeFactory,
  writesFromSeed,
} from '../../sim/index.ts'
import type { AgentNode } from '../../src/node/agent-node.ts'
import { agentIds, runAgentScenario } from './agent-run.ts'

/** Frame type byte of heartbeats in wire format v1 (src/sync/wire.ts). */
const HEARTBEAT_TYPE = 1

const mute: SimNodeFactory<AgentNode> = (ctx) => {
  const transport = ctx.transport
  const muted = Object.create(transport) as typeof transport
  muted.send = (peer, frame) => (frame[1] === HEARTBEAT_TYPE ? transport.send(peer, frame) : true)
  return agentNodeFactory({ ...ctx, transport: muted })
}

describe('agent invariants', () => {
  it('catch nodes that do not replicate', async () => {
    const acked: AckedWrites = []
    const verdict = await runScenario<AgentNode>({
      seed: 7,
      nodes: agentIds,
      createNode: mute,
      node: { heartbeatMs: 250, members: agentIds },
      workload: writesFromSeed(7, agentIds, 3000),
      applyOp: applyWrite(acked),
      invariants: agentInvariants(acked),
      durationMs: 3000,
      livenessMsMax: 3000,
    })
    expect(acked.length).toBeGreaterThan(5)
    expect(verdict.ok).toBe(false)
    const names = new Set(verdict.violations.map((v) => v.invariant))
    expect(names.has('liveness')).toBe(true)
  })

  it('the same seed gives the same trace hash; another seed a different one', async () => {
    const a = await runAgentScenario({ scenario: 'partition-heal', seed: 11 })
    const b = await runAgentScenario({ scenario: 'partition-heal', seed: 11 })
    const c = await runAgentScenario({ scenario: 'partition-heal', seed: 12 })
    expect(a.ok && b.ok && c.ok).toBe(true)
    expect(a.traceHash).toBe(b.traceHash)
    expect(c.traceHash).not.toBe(a.traceHash)
  })
})
