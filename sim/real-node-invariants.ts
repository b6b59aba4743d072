/**
 * The invariants a simulation of real nodes checks by default: the document
 * invariants (agent-invariants.ts) and the work invariants
 * (work-invariants.ts, work-watchers.ts), added once every node has booted.
 */
import { defaultAgentInvariants } from './agent-invariants.ts'
import type { Checkers, Invariant } from './checkers.ts'
import { defaultWorkInvariants } from './work-invariants.ts'

/**
 * Adds the defaults to `checkers`, keeping the caller's own invariants of
 * the same names (they were added first); each new one that follows nodes
 * is attached to those already up. `nodeOptions.partitionPolicy` decides
 * the `majority`-only rules (default 'majority', as createNode's).
 */
export function addRealNodeInvariants<S>(checkers: Checkers<S>, sim: S, nodeOptions: unknown): void {
  const have = new Set(checkers.names())
  const policy = (nodeOptions as { partitionPolicy?: 'majority' | 'availability' } | undefined)
    ?.partitionPolicy
  for (const inv of [...defaultAgentInvariants(), ...defaultWorkInvariants(policy)]) {
    if (have.has(inv.name)) continue
    const invariant = inv as Invariant<S>
    checkers.add(invariant)
    invariant.attach?.(sim)
  }
}
