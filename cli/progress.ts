/**
 * Progress on stderr. A many-seed run: a bar redrawn in place on a terminal,
 * plain lines at most every few seconds otherwise (a CI log), drawn when a
 * seed finishes. A single seed: a "still running" line on a timer
 * (SeedProgress). Wall time comes from `performance.now()` and is shown,
 * never fed to a simulation.
 */

export interface ProgressStream {
  write(text: string): unknown
  isTTY?: boolean
  columns?: number
}

/** Without a terminal, one line at most this often: enough for a log, not a flood. */
const plainLineEveryMs = 5000
const barCellsMax = 30

export class Progress {
  readonly #total: number
  readonly #stream: ProgressStream
  readonly #label: string
  readonly #startMs = performance.now()
  #lastLineMs = this.#startMs
  #done = 0
  #failed = 0

  constructor(total: number, stream: ProgressStream, label: string) {
    this.#total = total
    this.#stream = stream
    this.#label = label
  }

  get elapsedMs(): number {
    return performance.now() - this.#startMs
  }

  /** Shows the empty bar (on a terminal) before the first seed finishes. */
  begin(): void {
    if (this.#stream.isTTY) this.#stream.write(`\r\x1b[K${this.#bar()}`)
  }

  /** One seed finished. */
  seedDone(ok: boolean): void {
    this.#done++
    if (!ok) this.#failed++
    if (this.#stream.isTTY) {
      this.#stream.write(`\r\x1b[K${this.#bar()}`)
    } else if (performance.now() - this.#lastLineMs >= plainLineEveryMs || this.#done === this.#total) {
      this.#lastLineMs = performance.now()
      this.#stream.write(`${this.#status()}\n`)
    }
  }

  /** Ends the bar's line (on a terminal), so the summary starts on its own. */
  finish(): void {
    if (this.#stream.isTTY) this.#stream.write('\n')
  }

  #status(): string {
    const seconds = (this.elapsedMs / 1000).toFixed(1)
    const failed = this.#failed === 0 ? '' : `, ${this.#failed} failed`
    return `${this.#label}: ${this.#done}/${this.#total} seeds${failed}, ${seconds} s`
  }

  #bar(): string {
    const cells = Math.max(10, Math.min(barCellsMax, (this.#stream.columns ?? 80) - 60))
    const filled = Math.round((this.#done / this.#total) * cells)
    const etaS = this.#done === 0 ? 0 : ((this.elapsedMs / this.#done) * (this.#total - this.#done)) / 1000
    const eta = this.#done < this.#total ? `, ~${etaS.toFixed(0)} s left` : ''
    return `[${'#'.repeat(filled)}${'.'.repeat(cells - filled)}] ${this.#status()}${eta}`
  }
}

/** Without a terminal, a single seed's first "still running" line after this long, then as often. */
const singleSeedLineEveryMs = 10_000
/** On a terminal, the single seed's line is redrawn this often. */
const singleSeedRedrawMs = 1000

/**
 * Progress of one long seed (`isthmus sim --nodes 200` runs for a minute): it
 * reports no seeds finishing, so it ticks on a wall-clock timer instead,
 * saying the seed is still running and for how long. A seed done within the
 * first interval prints nothing.
 */
export class SeedProgress {
  readonly #stream: ProgressStream
  readonly #label: string
  readonly #startMs = performance.now()
  readonly #timer: ReturnType<typeof setInterval>
  #drawn = false

  constructor(stream: ProgressStream, label: string) {
    this.#stream = stream
    this.#label = label
    this.#timer = setInterval(() => this.#tick(), stream.isTTY ? singleSeedRedrawMs : singleSeedLineEveryMs)
    // Progress never keeps the process alive.
    this.#timer.unref()
  }

  /** Stops ticking; on a terminal, clears the line so the summary starts clean. */
  finish(): void {
    clearInterval(this.#timer)
    if (this.#stream.isTTY && this.#drawn) this.#stream.write('\r\x1b[K')
  }

  #tick(): void {
    const seconds = ((performance.now() - this.#startMs) / 1000).toFixed(0)
    const line = `${this.#label}: still running, ${seconds} s`
    this.#drawn = true
    this.#stream.write(this.#stream.isTTY ? `\r\x1b[K${line}` : `${line}\n`)
  }
}
