/**
 * A node's degradation level (DESIGN.md §4): how much of its service it can
 * offer, with the reasons as short strings that name their cause, so that
 * handlers (`ctx.degradation`), dashboards and alerts can do less, or say
 * why. A small state holder: the node feeds it what it sees, and it reports
 * a change only when the level or the reasons change.
 *
 * Levels, from its inputs (the worst one wins):
 *   full      nothing below applies.
 *   degraded  on a minority side ('minority side'); a handler kind's breaker
 *             not closed ('breaker open: <kind>'); or a user reason added
 *             with `degrade(reason)`.
 *   minimal   no reachable peer while other members are known ('no reachable
 *             peer'); every handler kind's breaker not closed ('every breaker
 *             open'); or a user reason added at this level.
 * A half-open breaker counts as open: it is only probing, and counting it
 * closed would flap the level on every probe.
 */

import type { ClusterView } from '../membership/membership.ts'

/** How much service a node can offer. */
export type DegradationLevel = 'full' | 'degraded' | 'minimal'

/** The level and the reasons for it, membership reasons first, then breakers by kind, then user reasons. */
export interface Degradation {
  level: DegradationLevel
  reasons: string[]
}

/** What `node.view()` returns: the membership's view and the node's degradation. */
export type NodeView = ClusterView & { degradation: Degradation }

/** What the membership says, as the holder needs it. */
export interface MembershipInput {
  /** This node's reachable set is a strict majority of the known membership. */
  majority: boolean
  /** Other members this node hears now. */
  reachablePeers: number
  /** Other members it knows of. */
  knownPeers: number
}

/** Reason strings the node itself uses (users pick their own). */
export const degradationReasons = {
  minority: 'minority side',
  noPeer: 'no reachable peer',
  everyBreaker: 'every breaker open',
  breaker: (kind: string) => `breaker open: ${kind}`,
} as const

const rank: Record<DegradationLevel, number> = { full: 0, degraded: 1, minimal: 2 }

/** User reasons at once: each is a caller's own string, and a leak of them would grow every view. */
export const USER_REASONS_MAX = 64

/** Computes a node's degradation from its inputs and reports each change. */
export class DegradationState {
  readonly #onChange: (degradation: Degradation) => void
  #membership: MembershipInput = { majority: true, reachablePeers: 0, knownPeers: 0 }
  #kinds: string[] = []
  /** Kinds whose breaker is not closed. */
  readonly #openBreakers = new Set<string>()
  /** User reasons in the order they were added, with their level. */
  readonly #user = new Map<string, Exclude<DegradationLevel, 'full'>>()
  #current: Degradation = { level: 'full', reasons: [] }

  constructor(onChange: (degradation: Degradation) => void = () => {}) {
    this.#onChange = onChange
  }

  /** The level and reasons now (a fresh copy). */
  get current(): Degradation {
    return { level: this.#current.level, reasons: [...this.#current.reasons] }
  }

  /** The membership changed (or a tick passed: unchanged input reports nothing). */
  membership(input: MembershipInput): void {
    this.#membership = { ...input }
    this.#update()
  }

  /** The task kinds that have handlers here: when all their breakers are open, the node is minimal. */
  handlerKinds(kinds: readonly string[]): void {
    this.#kinds = [...new Set(kinds)].sort()
    this.#update()
  }

  /** The breaker of `kind` is `open` (open, half-open or isolated) or closed again. */
  breaker(kind: string, open: boolean): void {
    if (open) this.#openBreakers.add(kind)
    else this.#openBreakers.delete(kind)
    this.#update()
  }

  /** Adds a user reason (a quota running low, a dependency in maintenance) at `level` (default 'degraded'). */
  degrade(reason: string, level: Exclude<DegradationLevel, 'full'> = 'degraded'): void {
    if (!this.#user.has(reason) && this.#user.size >= USER_REASONS_MAX)
      throw new RangeError(`more than ${USER_REASONS_MAX} degradation reasons`)
    this.#user.set(reason, level)
    this.#update()
  }

  /** Removes a user reason added with `degrade`; unknown reasons are ignored. */
  restore(reason: string): void {
    this.#user.delete(reason)
    this.#update()
  }

  #compute(): Degradation {
    const found: Array<[string, DegradationLevel]> = []
    const m = this.#membership
    if (!m.majority) found.push([degradationReasons.minority, 'degraded'])
    if (m.knownPeers > 0 && m.reachablePeers === 0) found.push([degradationReasons.noPeer, 'minimal'])
    for (const kind of [...this.#openBreakers].sort())
      found.push([degradationReasons.breaker(kind), 'degraded'])
    if (this.#kinds.length > 0 && this.#kinds.every((k) => this.#openBreakers.has(k)))
      found.push([degradationReasons.everyBreaker, 'minimal'])
    for (const [reason, level] of this.#user)
      if (!found.some(([r]) => r === reason)) found.push([reason, level])
    let level: DegradationLevel = 'full'
    for (const [, l] of found) if (rank[l] > rank[level]) level = l
    return { level, reasons: found.map(([r]) => r) }
  }

  #update(): void {
    const next = this.#compute()
    const same =
      next.level === this.#current.level &&
      next.reasons.length === this.#current.reasons.length &&
      next.reasons.every((r, i) => r === this.#current.reasons[i])
    if (same) return
    this.#current = next
    this.#onChange(this.current)
  }
}
