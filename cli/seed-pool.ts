/**
 * Runs many seeds of one spec on worker threads, one per core. Each worker
 * takes the next seed as soon as it finishes one, so a slow seed never
 * stalls the others; results arrive in completion order.
 */
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { type SeedVerdict, thrownVerdict } from './run-seed.ts'
import type { RunSpec } from './run-spec.ts'

/** What a worker sends back per seed. */
export type WorkerReply = { seed: number; verdict: SeedVerdict } | { seed: number; error: string }

export interface SeedPoolOptions {
  spec: RunSpec
  seeds: readonly number[]
  /** Worker threads. Default: one per core, no more than seeds. */
  workers?: number
  /** Told how many workers will run, before the first seed. */
  onStart?(workers: number): void
  onVerdict(verdict: SeedVerdict): void
}

/** The worker's file next to this one (.ts from source, .js once built). */
const workerUrl = new URL(`./sim-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url)

/** Runs every seed; resolves once all reported. Rejects if a worker thread dies. */
export async function runSeedPool(options: SeedPoolOptions): Promise<void> {
  const queue = [...options.seeds]
  const count = Math.max(1, Math.min(options.workers ?? availableParallelism(), queue.length))
  options.onStart?.(count)
  const workers = Array.from(
    { length: count },
    () => new Worker(workerUrl, { workerData: { spec: options.spec } }),
  )
  try {
    await Promise.all(workers.map((worker) => drain(worker, queue, options.onVerdict)))
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()))
  }
}

/** Feeds `worker` seeds from the shared queue until it is empty. */
function drain(worker: Worker, queue: number[], onVerdict: (verdict: SeedVerdict) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let busy = false
    const next = () => {
      const seed = queue.shift()
      busy = seed !== undefined
      if (seed === undefined) resolve()
      else worker.postMessage({ seed })
    }
    worker.on('message', (reply: WorkerReply) => {
      onVerdict('verdict' in reply ? reply.verdict : thrownVerdict(reply.seed, reply.error))
      next()
    })
    worker.on('error', reject)
    worker.on('exit', (code) => {
      if (busy) reject(new Error(`a simulation worker exited (code ${code}) in the middle of a seed`))
    })
    next()
  })
}
