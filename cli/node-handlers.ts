/**
 * The task handlers an `isthmus node` runs: a few built-in demo kinds, so
 * `submit` works without writing a handler, plus those a `--handlers FILE`
 * exports (a module whose default export, or export named `handlers`, is
 * `{ [kind]: TaskHandler }`; .js, .mjs or .ts, which the pinned Node runs
 * as written). A file's kinds override the built-in ones of the same name.
 *
 *   echo    returns its payload.
 *   sleep   waits `payload.ms` on the node's clock, returns `{ sleptMs }`.
 *   count   counts to `payload.to` (default 10), one durable step and one
 *           checkpoint per number, waiting `payload.stepMs` (default 100)
 *           before each: a node killed mid-way leaves a checkpoint, and the
 *           successor resumes from it. Returns `{ counted, by, resumedFrom }`,
 *           where `resumedFrom` is the checkpoint its run started from
 *           (null: from the beginning), so a caller can see the resume.
 */
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { TaskContext, TaskHandler, TaskRef } from '../src/work/types.ts'
import { UsageError } from './usage-error.ts'

/** `count`'s bound on `to`: a demo, not a load generator. */
const COUNT_TO_MAX = 10_000
/** `sleep`'s and `count`'s bound on a wait, in ms (an hour). */
const WAIT_MS_MAX = 3_600_000

/** The built-in kinds' names, as `--help` and `help` list them. */
export const DEMO_KINDS = ['echo', 'sleep', 'count'] as const

function field(payload: unknown, name: string, fallback: number, max: number): number {
  const raw =
    typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>)[name] : undefined
  if (raw === undefined) return fallback
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 0 || raw > max)
    throw new RangeError(`payload.${name} must be an integer from 0 to ${max}`)
  return raw
}

/** The checkpoint `count` writes: how far it got. */
interface CountCheckpoint {
  counted: number
}

async function count(task: TaskRef, ctx: TaskContext): Promise<unknown> {
  const to = field(task.payload, 'to', 10, COUNT_TO_MAX)
  const stepMs = field(task.payload, 'stepMs', 100, WAIT_MS_MAX)
  const from = ctx.lastCheckpoint as CountCheckpoint | undefined
  for (let n = (from?.counted ?? 0) + 1; n <= to; n++) {
    await ctx.sleep(stepMs)
    await ctx.step(`count-${n}`, async () => n)
    await ctx.checkpoint({ counted: n } satisfies CountCheckpoint)
  }
  return { counted: to, by: ctx.node.id, resumedFrom: from ?? null }
}

/** The built-in demo kinds. */
export function demoHandlers(): Record<string, TaskHandler> {
  return {
    echo: { run: async (task) => task.payload },
    sleep: {
      run: async (task, ctx) => {
        const ms = field(task.payload, 'ms', 1000, WAIT_MS_MAX)
        await ctx.sleep(ms)
        return { sleptMs: ms }
      },
    },
    count: { run: count },
  }
}

/** Loads `--handlers FILE`; a missing file or a module of the wrong shape is a UsageError. */
export async function loadHandlers(file: string): Promise<Record<string, TaskHandler>> {
  const path = resolve(file)
  if (!existsSync(path)) throw new UsageError(`node: --handlers ${file}: no such file`)
  let module: Record<string, unknown>
  try {
    module = (await import(pathToFileURL(path).href)) as Record<string, unknown>
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error)
    throw new UsageError(`node: --handlers ${file}: cannot load it: ${text.split('\n')[0]}`)
  }
  const exported = module.handlers ?? module.default
  if (typeof exported !== 'object' || exported === null || Array.isArray(exported))
    throw new UsageError(
      `node: --handlers ${file}: export { [kind]: TaskHandler } as default or as \`handlers\``,
    )
  const handlers: Record<string, TaskHandler> = {}
  for (const [kind, handler] of Object.entries(exported)) {
    if (typeof (handler as Partial<TaskHandler> | null)?.run !== 'function')
      throw new UsageError(`node: --handlers ${file}: kind ${JSON.stringify(kind)} has no run(task, ctx)`)
    handlers[kind] = handler as TaskHandler
  }
  return handlers
}

/** The handlers a node runs: the demo kinds, then the file's (which win). */
export async function nodeHandlers(file: string | undefined): Promise<Record<string, TaskHandler>> {
  return { ...demoHandlers(), ...(file === undefined ? {} : await loadHandlers(file)) }
}
