/**
 * Link tables for the partition faults, as pure functions of node ids: each
 * returns the directed links (`[from, to]`) to cut. Callers validate ids first.
 */

/** A directed link: frames from `[0]` to `[1]`. */
export type DirectedLink = readonly [from: string, to: string]

/** Every ordered pair of distinct ids whose groups differ. */
function crossGroupLinks(ids: readonly string[], groupOf: (id: string) => number): DirectedLink[] {
  const links: DirectedLink[] = []
  for (const from of ids) {
    for (const to of ids) {
      if (from !== to && groupOf(from) !== groupOf(to)) links.push([from, to])
    }
  }
  return links
}

/**
 * Splits the nodes into `groups`; nodes listed in no group form one more
 * group together. Every link between different groups is cut, both ways.
 */
export function partitionLinks(
  ids: readonly string[],
  groups: readonly (readonly string[])[],
): DirectedLink[] {
  const groupIndex = new Map<string, number>()
  groups.forEach((group, i) => {
    for (const id of group) groupIndex.set(id, i)
  })
  return crossGroupLinks(ids, (id) => groupIndex.get(id) ?? groups.length)
}

/** `id` alone on one side, everyone else on the other. */
export function isolateLinks(ids: readonly string[], id: string): DirectedLink[] {
  return partitionLinks(ids, [[id]])
}

/**
 * Jepsen's bridge: the nodes in `left` and the rest (the right side) cannot
 * reach each other; `middle` reaches both.
 */
export function bridgeLinks(ids: readonly string[], left: readonly string[], middle: string): DirectedLink[] {
  const leftSet = new Set(left)
  const side = (id: string) => (id === middle ? 0 : leftSet.has(id) ? -1 : 1)
  return crossGroupLinks(ids, side).filter(([from, to]) => side(from) !== 0 && side(to) !== 0)
}

/**
 * Jepsen's majorities ring: place the nodes on a ring (in `ring` order); each
 * keeps its links to the nodes within distance d = ceil((m - 1) / 2), where m
 * is a majority, so each sees at least a majority and, from 4 nodes on, no
 * two see the same set. With 3 nodes or fewer nothing is cut.
 */
export function majoritiesRingLinks(ring: readonly string[]): DirectedLink[] {
  const n = ring.length
  const majority = Math.floor(n / 2) + 1
  const reach = Math.ceil((majority - 1) / 2)
  const links: DirectedLink[] = []
  ring.forEach((from, i) => {
    ring.forEach((to, j) => {
      const apart = Math.abs(i - j)
      const ringDistance = Math.min(apart, n - apart)
      if (i !== j && ringDistance > reach) links.push([from, to])
    })
  })
  return links
}

/** Unordered pairs of `ids`, each as `[a, b]` with a before b in `ids`. */
export function unorderedPairs(ids: readonly string[]): Array<readonly [string, string]> {
  const pairs: Array<readonly [string, string]> = []
  ids.forEach((a, i) => {
    for (const b of ids.slice(i + 1)) pairs.push([a, b])
  })
  return pairs
}
