/**
 * The phi-accrual failure detector (Hayashibara et al., as in Akka and
 * Cassandra). Instead of a yes/no timeout it gives a suspicion level phi that
 * grows the longer a heartbeat is overdue relative to the history of
 * inter-arrival times: phi = -log10(P(a heartbeat arrives later than now)).
 * phi = 8 means "one chance in 10^8 that this peer is alive and merely late".
 *
 * Pure: time comes in as arguments, so the same code runs under virtual time.
 */

/** Longest interval taken as a sample, in heartbeats (a few lost heartbeats in a row still count). */
export const SAMPLE_INTERVAL_HEARTBEATS_MAX = 4

/** Inter-arrival samples kept per peer: enough for a stable estimate, bounded memory. */
export const PHI_WINDOW_SAMPLES_MAX = 200

export interface PhiAccrualOptions {
  /** Expected heartbeat interval; seeds the estimate before real samples exist. */
  heartbeatMs: number
  /** Floor on the standard deviation, so a very regular network doesn't make phi jumpy. */
  minStdDeviationMs: number
  /** A pause tolerated without suspicion (GC, a busy event loop): added to the mean. */
  acceptablePauseMs: number
}

export class PhiAccrualDetector {
  readonly #options: PhiAccrualOptions
  readonly #intervals: number[] = []
  #sum = 0
  #sumOfSquares = 0
  #lastHeartbeatMs: number | undefined

  constructor(options: PhiAccrualOptions) {
    if (!(options.heartbeatMs > 0)) throw new RangeError('heartbeatMs must be > 0')
    if (!(options.minStdDeviationMs > 0)) throw new RangeError('minStdDeviationMs must be > 0')
    if (!(options.acceptablePauseMs >= 0)) throw new RangeError('acceptablePauseMs must be >= 0')
    this.#options = options
    // Seed as Akka does: a first estimate of the interval with stddev = mean / 4,
    // so phi is meaningful from the first heartbeat on.
    const mean = options.heartbeatMs
    this.#push(mean - mean / 4)
    this.#push(mean + mean / 4)
  }

  /** Records a heartbeat that arrived at `nowMs`. */
  heartbeat(nowMs: number): void {
    if (this.#lastHeartbeatMs !== undefined) {
      const interval = nowMs - this.#lastHeartbeatMs
      // A heartbeat seen twice (a duplicated frame) or a clock step back carries no timing
      // information; nor does a gap of many intervals (a stall, a cut link): as Cassandra
      // caps its samples, such a gap is not taken for the rhythm, or it would widen the
      // estimate and slow the next detection.
      if (interval > 0 && interval <= this.#options.heartbeatMs * SAMPLE_INTERVAL_HEARTBEATS_MAX)
        this.#push(interval)
    }
    if (this.#lastHeartbeatMs === undefined || nowMs > this.#lastHeartbeatMs) this.#lastHeartbeatMs = nowMs
  }

  /** When the last heartbeat arrived, if any did. */
  get lastHeartbeatMs(): number | undefined {
    return this.#lastHeartbeatMs
  }

  /** The suspicion level at `nowMs`; 0 before the first heartbeat. */
  phi(nowMs: number): number {
    if (this.#lastHeartbeatMs === undefined) return 0
    const n = this.#intervals.length
    const mean = this.#sum / n
    const variance = Math.max(0, this.#sumOfSquares / n - mean * mean)
    const stdDeviation = Math.max(Math.sqrt(variance), this.#options.minStdDeviationMs)
    return phiOf(nowMs - this.#lastHeartbeatMs, mean + this.#options.acceptablePauseMs, stdDeviation)
  }

  #push(interval: number): void {
    this.#intervals.push(interval)
    this.#sum += interval
    this.#sumOfSquares += interval * interval
    if (this.#intervals.length > PHI_WINDOW_SAMPLES_MAX) {
      const dropped = this.#intervals.shift() as number
      this.#sum -= dropped
      this.#sumOfSquares -= dropped * dropped
    }
  }
}

/** Largest phi reported: beyond it the logistic tail underflows and the peer is certainly silent. */
export const PHI_MAX = 1000

/**
 * phi for an elapsed time given the interval distribution, with the logistic
 * approximation of the normal CDF that Akka uses (error < 1e-4, and no
 * underflow to infinity in the tail until exp() itself overflows).
 */
export function phiOf(elapsedMs: number, meanMs: number, stdDeviationMs: number): number {
  const y = (elapsedMs - meanMs) / stdDeviationMs
  const e = Math.exp(-y * (1.5976 + 0.070566 * y * y))
  const phi = elapsedMs > meanMs ? -Math.log10(e / (1 + e)) : -Math.log10(1 - 1 / (1 + e))
  return Number.isFinite(phi) ? Math.min(phi, PHI_MAX) : PHI_MAX
}
