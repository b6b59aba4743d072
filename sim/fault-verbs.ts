/**
 * The faults as verbs: one method a fault, each naming its step and handing
 * it to `apply`, which validates it, applies it now and traces it. The
 * simulation extends this, so a test says `sim.partition(...)` or
 * `sim.crash(id)`; the same faults as plain data are fault plans
 * (fault-plan.ts, `sim.schedule`).
 */
import type {
  CorruptOptions,
  CrashOptions,
  FaultStep,
  StoreFaultOptions,
  SwizzleOptions,
} from './fault-plan.ts'

export abstract class FaultVerbs {
  /** Validates and applies one fault now (a bad argument throws `ScenarioError`, e.g. `isolate.args[0]: ...`). */
  abstract apply(step: Pick<FaultStep, 'fault' | 'args'>): void

  /** Splits the nodes into `groups` (the unlisted form one more group); cross-group links are cut both ways. */
  partition(groups: string[][]): void {
    this.apply({ fault: 'partition', args: [groups] })
  }
  /** Cuts `id` off from everyone, both ways. */
  isolate(id: string): void {
    this.apply({ fault: 'isolate', args: [id] })
  }
  /** Cuts frames from `from` to `to` only (the connection stays up). */
  oneWay(from: string, to: string): void {
    this.apply({ fault: 'oneWay', args: [from, to] })
  }
  /** `left` and the rest cannot reach each other; `middle` reaches both. No args: drawn from the seed. */
  bridge(left?: string[], middle?: string, right?: string[]): void {
    this.apply({ fault: 'bridge', args: left === undefined ? [] : [left, middle, right ?? []] })
  }
  /** Every node sees a majority, no two the same (ring order drawn from the seed unless given). */
  majoritiesRing(ring?: string[]): void {
    this.apply({ fault: 'majoritiesRing', args: ring === undefined ? [] : [ring] })
  }
  /** Cuts links one pair at a time, then restores them in random order (see `SwizzleOptions`). */
  swizzle(options: SwizzleOptions = {}): void {
    this.apply({ fault: 'swizzle', args: [options] })
  }
  /** Restores every link (and voids a swizzle under way). Crashed nodes stay down: see `recover`. */
  heal(): void {
    this.apply({ fault: 'heal', args: [] })
  }
  /**
   * Kills `id` now: timers, in-flight frames and volatile state vanish; the
   * store keeps what was durable. `{ lose: 'unsynced' }`: a power loss; each
   * write not yet synced (with `storeSyncMs` > 0) survives, vanishes or, the
   * last append, comes back torn, drawn from the seed.
   */
  crash(id: string, options: CrashOptions = {}): void {
    this.apply({ fault: 'crash', args: [id, options] })
  }
  /** The next `failWrites` write batches on `id`'s store fail with `StoreWriteError` and write nothing. */
  storeFault(id: string, options: StoreFaultOptions): void {
    this.apply({ fault: 'storeFault', args: [id, options] })
  }
  /** While `id` is down: flip a byte in up to `records` stored records that another running node holds a copy of. */
  corrupt(id: string, options: CorruptOptions): void {
    this.apply({ fault: 'corrupt', args: [id, options] })
  }
  /** Boots a crashed node again with a new Env fork over its old store (takes effect as the simulation runs). */
  restart(id: string): void {
    this.apply({ fault: 'restart', args: [id] })
  }
  /** Stalls `id` for `ms`: its timers and frames wait and then run in order (a stopped process). */
  pause(id: string, ms: number): void {
    this.apply({ fault: 'pause', args: [id, ms] })
  }
  /** Sets `id`'s clock offset from true time, in ms. */
  skew(id: string, ms: number): void {
    this.apply({ fault: 'skew', args: [id, ms] })
  }
  /** Sets `id`'s clock rate (1.01 runs 1% fast). */
  drift(id: string, rate: number): void {
    this.apply({ fault: 'drift', args: [id, rate] })
  }
}
