/** What the replicator tells the node: divergence, convergence, counters and failures. Types only, below both the replicator and its parts. */

export type ReplicatorMetric =
  | 'syncRounds'
  | 'resyncs'
  | 'sendsRefused'
  | 'resends'
  | 'pullsAbandoned'
  | 'antiEntropyRounds'
  | 'falseClaims'

export type ReplicatorEvents = {
  diverged: (event: {
    peer: string
    missingHere: Record<string, number>
    missingThere: Record<string, number>
  }) => void
  converged: (event: { peer: string }) => void
  metric: (name: ReplicatorMetric, value: number) => void
  /** Work on one document failed; the node tells bad peer input from a conflict or a local fault. */
  failure: (event: { doc?: string; peer: string; during: string; error: unknown }) => void
}
