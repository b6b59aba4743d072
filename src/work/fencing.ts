/**
 * Fencing tokens (DESIGN §4, Work). Every run of a task begins with a claim
 * that raises the epoch; the run's token is `(epoch, node)`. The winning
 * claim is the highest token (epoch first, ties by node id, which only
 * happens when two sides of a partition claimed the same epoch), and a
 * result is accepted only from the run holding the winning token: a zombie
 * run that finishes after a newer claim is fenced off, its result kept as a
 * duplicate, never accepted. Pure functions of the claims, so every replica
 * holding the same events names the same winner.
 */

/** A run's identity and fencing token. */
export interface RunToken {
  epoch: number
  node: string
}

/** Orders tokens: epoch first, then node id (code-unit order, the same in every process). */
export function compareTokens(a: RunToken, b: RunToken): number {
  if (a.epoch !== b.epoch) return a.epoch < b.epoch ? -1 : 1
  if (a.node === b.node) return 0
  return a.node < b.node ? -1 : 1
}

/** Same run: same epoch and node. */
export function sameToken(a: RunToken, b: RunToken): boolean {
  return a.epoch === b.epoch && a.node === b.node
}

/** The highest token among `tokens`, or undefined for none. */
export function highestToken<T extends RunToken>(tokens: Iterable<T>): T | undefined {
  let best: T | undefined
  for (const token of tokens) if (best === undefined || compareTokens(token, best) > 0) best = token
  return best
}

/** The epoch the next claim takes: one above every epoch claimed so far. */
export function nextEpoch(claims: Iterable<RunToken>): number {
  let highest = 0
  for (const claim of claims) highest = Math.max(highest, claim.epoch)
  return highest + 1
}

/** Whether a result written under `token` is accepted, given every claim: only the winning claim's. */
export function isAccepted(token: RunToken, claims: Iterable<RunToken>): boolean {
  const winner = highestToken(claims)
  return winner !== undefined && sameToken(winner, token)
}
