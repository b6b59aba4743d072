/**
 * The protocol `isthmus sim` runs: real isthmus nodes (createNode) with the
 * write workload and the invariants of sim/agent-*.ts. This file is the
 * one place the CLI, `npm start` and benchmark #6 learn what a node is; to
 * simulate something else, give `cliProtocol` another implementation.
 */
import { agentInvariants } from '../sim/agent-invariants.ts'
import { type AgentSimOptions, agentNodeFactory } from '../sim/agent-nodes.ts'
import { type AckedWrites, applyWrite, writesFromSeed } from '../sim/agent-workload.ts'
import type { Invariant } from '../sim/checkers.ts'
import type { SimNodeFactory, SimNodeLike } from '../sim/node-host.ts'
import type { Simulation } from '../sim/simulation.ts'
import type { WorkloadOp } from '../sim/workload.ts'
import type { AgentNode } from '../src/node/agent-node.ts'

/** One run's protocol wiring: invariants and `applyOp` share what was acknowledged. */
export interface ProtocolSession<N extends SimNodeLike, O> {
  createNode: SimNodeFactory<N, O>
  nodeOptions: O
  invariants: Array<Invariant<Simulation<N>>>
  applyOp: (node: N, op: WorkloadOp, sim: Simulation<N>) => unknown
  /** Client operations acknowledged so far. */
  ackedCount(): number
}

export interface CliProtocol<N extends SimNodeLike, O> {
  /** Printed in summaries and reports. */
  readonly name: string
  /** Fresh wiring for one run over `ids`. */
  session(ids: readonly string[], heartbeatMs: number): ProtocolSession<N, O>
  /** The client workload a seed draws: an operation every ~`everyMs` during the safety phase. */
  workload(seed: number, ids: readonly string[], durationMs: number, everyMs: number): WorkloadOp[]
  /** A node's version vector (origin → batches held), for the report's divergence. */
  versionVector(node: N): Record<string, number>
}

const agentProtocol: CliProtocol<AgentNode, AgentSimOptions> = {
  name: 'isthmus nodes (createNode), Yjs + Automerge writes',
  session(ids, heartbeatMs) {
    const acked: AckedWrites = []
    return {
      createNode: agentNodeFactory,
      nodeOptions: { heartbeatMs, members: [...ids] },
      invariants: agentInvariants(acked),
      applyOp: applyWrite(acked),
      ackedCount: () => acked.length,
    }
  },
  workload: writesFromSeed,
  versionVector: (node) => node.versionVector(),
}

/** What the CLI simulates. */
export const cliProtocol: CliProtocol<SimNodeLike, unknown> = agentProtocol as unknown as CliProtocol<
  SimNodeLike,
  unknown
>
