/** Where a command writes: the process's streams, or a test's buffers. */
import type { ProgressStream } from './progress.ts'

export interface CliIo {
  stdout: ProgressStream
  stderr: ProgressStream
}
