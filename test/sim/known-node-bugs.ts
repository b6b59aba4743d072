/**
 * KNOWN_NODE_BUGS: the one place listing seeds that fail because of
 * node-side bugs of issue 7 (dots reused after compaction and restart, a
 * failed append stranding later writes, claims over skipped corrupt records,
 * ...), each with the violation it shows. The simulator's checkers stay as
 * they are; the lead removes entries as the fixes land. A listed seed that
 * passes again is reported by the tests (so its entry can go), an unlisted
 * seed that fails fails the tests.
 */
export const KNOWN_NODE_BUGS: Record<string, Record<number, string>> = {}

/** The violation a known node bug shows for `seed` of `scenario`, if it is listed. */
export function knownBug(scenario: string, seed: number): string | undefined {
  return KNOWN_NODE_BUGS[scenario]?.[seed]
}
