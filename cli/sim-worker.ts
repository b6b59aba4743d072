/**
 * A worker thread of `isthmus sim --seeds N`: gets the run spec once, then
 * runs each seed it is sent and replies with the verdict. A run that throws
 * is reported as an error for that seed; the worker carries on.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { runSeed } from './run-seed.ts'
import type { RunSpec } from './run-spec.ts'
import type { WorkerReply } from './seed-pool.ts'

const { spec } = workerData as { spec: RunSpec }
const port = parentPort
if (port === null) throw new Error('sim-worker runs as a worker thread')

port.on('message', async ({ seed }: { seed: number }) => {
  let reply: WorkerReply
  try {
    reply = { seed, verdict: await runSeed(spec, seed) }
  } catch (error) {
    reply = { seed, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }
  }
  port.postMessage(reply)
})
