/**
 * Runs PeerSync conversations between replicas in memory. `duplex` lets both
 * sides generate before either receives (messages cross, as on a real
 * network); `turns` alternates strictly.
 */
import type { DocBackend, PeerSync } from '../../crdt/backend.ts'

/** A conversation must settle in this many rounds or the harness fails it. */
export const ROUNDS_MAX = 50

export interface SyncRun {
  rounds: number
  /** Messages each side sent, in order. */
  sentByA: Uint8Array[]
  sentByB: Uint8Array[]
}

/** Syncs `a` and `b` with fresh sessions until both `generate()` return null. */
export function syncPair(a: DocBackend, b: DocBackend, mode: 'duplex' | 'turns' = 'duplex'): SyncRun {
  return converse(a.syncWith(), b.syncWith(), mode)
}

/** Runs two sessions until both are quiet. */
export function converse(sa: PeerSync, sb: PeerSync, mode: 'duplex' | 'turns' = 'duplex'): SyncRun {
  const run: SyncRun = { rounds: 0, sentByA: [], sentByB: [] }
  for (; run.rounds < ROUNDS_MAX; run.rounds++) {
    const fromA = sa.generate()
    if (fromA && mode === 'turns') sb.receive(fromA)
    const fromB = sb.generate()
    if (fromA === null && fromB === null) return run
    if (fromA && mode === 'duplex') sb.receive(fromA)
    if (fromB) sa.receive(fromB)
    if (fromA) run.sentByA.push(fromA)
    if (fromB) run.sentByB.push(fromB)
  }
  throw new Error(`sync did not settle in ${ROUNDS_MAX} rounds`)
}

/** Syncs every pair twice over (gather, then spread), so every replica ends holding everything. */
export function syncAll(replicas: readonly DocBackend[]): void {
  for (let pass = 0; pass < 2; pass++) {
    for (let i = 0; i < replicas.length; i++) {
      for (let j = i + 1; j < replicas.length; j++)
        syncPair(replicas[i] as DocBackend, replicas[j] as DocBackend)
    }
  }
}

export function totalBytes(messages: readonly Uint8Array[]): number {
  return messages.reduce((sum, message) => sum + message.length, 0)
}
