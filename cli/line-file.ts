/**
 * A file written line by line, buffered: a trace of a long run is millions
 * of lines, and one write per line would cost more than the simulation.
 */
import { closeSync, openSync, writeSync } from 'node:fs'
import { UsageError } from './usage-error.ts'

/** Bytes buffered before a write: large enough to amortise the syscall, small next to a trace. */
const bufferCharsMax = 1 << 20

export class LineFile {
  readonly path: string
  readonly #fd: number
  #buffer = ''

  /** Opens (truncates) `path`; a path that cannot be written is a `UsageError` naming `option`. */
  constructor(path: string, option: string) {
    this.path = path
    try {
      this.#fd = openSync(path, 'w')
    } catch (error) {
      throw new UsageError(
        `${option}: cannot write ${JSON.stringify(path)} (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      )
    }
  }

  write(line: string): void {
    this.#buffer += line
    this.#buffer += '\n'
    if (this.#buffer.length >= bufferCharsMax) this.#flush()
  }

  #flush(): void {
    if (this.#buffer.length > 0) writeSync(this.#fd, this.#buffer)
    this.#buffer = ''
  }

  close(): void {
    this.#flush()
    closeSync(this.#fd)
  }
}
