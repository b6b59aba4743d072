/**
 * Runs the CLI from source in a child process, as a user would run the
 * built one: `node cli/main.ts ARGS`.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const root = join(import.meta.dirname, '..', '..')
export const CLI_PATH = join(root, 'cli', 'main.ts')

export interface CliRun {
  code: number
  stdout: string
  stderr: string
}

export function runCli(args: readonly string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI_PATH, ...args],
      { cwd: root, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1
        resolve({ code, stdout, stderr })
      },
    )
  })
}

/** A fresh temp folder for one test's files. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'isthmus-cli-'))
}

/** Writes `value` as JSON into `dir/name`; returns the path. */
export function writeJson(dir: string, name: string, value: unknown): string {
  const path = join(dir, name)
  writeFileSync(path, JSON.stringify(value))
  return path
}

/**
 * A scenario that must fail: the minority and majority stay split until the
 * liveness phase, frames take 300–400 ms, and the liveness bound is 1 ms, so
 * the replicas still differ when the first liveness check runs (100 ms in).
 */
export const failingScenario = {
  version: 1,
  nodes: 5,
  durationMs: 3000,
  livenessMsMax: 1,
  network: { latencyMs: [300, 400] },
  plan: [
    {
      atMs: 500,
      fault: 'partition',
      args: [
        [
          ['n1', 'n2'],
          ['n3', 'n4', 'n5'],
        ],
      ],
    },
  ],
}
