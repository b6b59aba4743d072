/**
 * Rendezvous (highest random weight) hashing: the owner of a task is the
 * member with the highest score for (member, task id). Every node computes it
 * alone from the members alive in its view, so no coordinator is needed, and
 * removing a member moves only the tasks it owned (each to the member with
 * its next-highest score) while the others stay put (Thaler and Ravishankar).
 *
 * Weighted (Schindelhauer and Schomaker's logarithmic method, as in
 * "weighted rendezvous hashing"): score = -weight / ln(u), where u is the
 * hash mapped into (0, 1). A member of weight 2 then owns twice the share of
 * a member of weight 1, and minimal disruption still holds.
 *
 * The hash is sha256 from @noble/hashes over `member \0 task`, so every
 * process and platform agrees (a JS string hash would not be portable to
 * another implementation of the protocol).
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { utf8ToBytes } from '@noble/hashes/utils.js'

/** 2^53: the hash's top 53 bits become a double without rounding. */
const TWO_POW_53 = 2 ** 53
const TWO_POW_21 = 2 ** 21

/** The hash of (member, task) mapped into the open interval (0, 1). */
export function rendezvousUnit(member: string, task: string): number {
  const digest = sha256(utf8ToBytes(`${member}\u0000${task}`))
  const view = new DataView(digest.buffer, digest.byteOffset, digest.byteLength)
  // Top 53 bits: 32 from the first word, 21 from the second.
  const high = view.getUint32(0)
  const low = view.getUint32(4) >>> 11
  const bits = high * TWO_POW_21 + low
  // +0.5 keeps it off both ends, so ln(u) is finite and negative.
  return (bits + 0.5) / TWO_POW_53
}

/** A member's score for a task; higher wins. `weight` > 0 (its capacity). */
export function rendezvousScore(member: string, task: string, weight = 1): number {
  return -weight / Math.log(rendezvousUnit(member, task))
}

/**
 * The owner of `task` among `members`, or undefined if there are none.
 * `weights` gives a member's capacity (default 1; a weight that is not a
 * positive finite number counts as 1). Equal scores, which need equal hashes,
 * go to the greater id so that the choice is total.
 */
export function rendezvousOwner(
  task: string,
  members: readonly string[],
  weights?: ReadonlyMap<string, number>,
): string | undefined {
  let best: string | undefined
  let bestScore = Number.NEGATIVE_INFINITY
  for (const member of members) {
    const score = rendezvousScore(member, task, weightOf(weights, member))
    if (best === undefined || score > bestScore || (score === bestScore && member > best)) {
      best = member
      bestScore = score
    }
  }
  return best
}

function weightOf(weights: ReadonlyMap<string, number> | undefined, member: string): number {
  const weight = weights?.get(member)
  return weight !== undefined && Number.isFinite(weight) && weight > 0 ? weight : 1
}
