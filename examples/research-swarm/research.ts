/**
 * The research job and its task handler, shared by both runs of the swarm
 * (real libp2p, and the simulator): the same code, only the Env, Transport
 * and Store differ.
 *
 * A job is a list of topics; each topic is one task of kind `research`. Its
 * handler asks a flaky "model" three questions, each a durable step
 * (`ctx.step`) followed by a checkpoint (`ctx.checkpoint`), so a run that
 * dies part-way is resumed by its successor from what was asked already.
 * The model call runs inside `policy(env)` from isthmus/resilience: a
 * timeout per call, retries with full jitter, a breaker, and a fallback
 * answer when all of that fails. The finding goes into the shared Yjs
 * document `findings` (map `byTopic`); a run that completed but lost to a
 * higher claim notes its retraction there (`compensate`), and the merged
 * report takes each topic's accepted result from the task board.
 */
import type * as Y from 'yjs'
import type { Env } from '../../src/env/types.ts'
import { policy, sleep } from '../../src/resilience/index.ts'
import type { TaskContext, TaskHandler, TaskRef } from '../../src/work/types.ts'

export const FINDINGS_DOC = 'findings'
export const QUESTIONS_PER_TOPIC = 3

/** The job: one task per topic. */
export const RESEARCH_TOPICS = [
  'consensus without a leader',
  'CRDT garbage collection',
  'failure detectors in practice',
  'fencing tokens and leases',
  'sagas across partitions',
  'anti-entropy cost',
  'clock drift bounds',
  'idempotency keys',
  'rendezvous hashing',
  'durable execution',
]

export interface ResearchPayload {
  topic: string
}

export interface Finding {
  topic: string
  summary: string
  by: string
  epoch: number
}

/** How the model misbehaves: the share of calls that fail, and the latency range. */
export interface ModelBehaviour {
  failRate: number
  latencyMs: [number, number]
}

const defaultModel: ModelBehaviour = { failRate: 0.3, latencyMs: [20, 120] }

/** The flaky model: an answer after some latency, or an error, drawn from the node's random. */
async function askModel(env: Env, behaviour: ModelBehaviour, prompt: string, signal: AbortSignal) {
  const [lo, hi] = behaviour.latencyMs
  await sleep(env.clock, lo + env.random.next() * (hi - lo), signal)
  if (env.random.next() < behaviour.failRate) throw new Error('model overloaded (503)')
  return `answer to "${prompt}"`
}

/** One resilient model client per node: its breaker is that node's view of the model's health. */
function modelClient(env: Env, behaviour: ModelBehaviour) {
  const call = policy(env)
    .timeout({ ms: 100 })
    .retry({ maxAttempts: 4, baseMs: 30, maxMs: 300, jitter: 'full' })
    .breaker({ failureThreshold: 5, resetMs: 1_000 })
    .fallback(async () => 'no answer (fallback: the model was unavailable)')
  return (prompt: string) => call.execute((signal) => askModel(env, behaviour, prompt, signal))
}

/** The `research` handler; `envOf` gives a node's Env (its clock and random: virtual in the simulator). */
export function researchHandlers(
  envOf: (nodeId: string) => Env,
  behaviour: ModelBehaviour = defaultModel,
): Record<string, TaskHandler> {
  const clients = new Map<string, ReturnType<typeof modelClient>>()
  const client = (id: string) => {
    let found = clients.get(id)
    if (found === undefined) {
      found = modelClient(envOf(id), behaviour)
      clients.set(id, found)
    }
    return found
  }
  return {
    research: {
      timeoutMs: 20_000,
      retry: { maxAttempts: 5, baseMs: 100, maxMs: 1_000, jitter: 'full' },
      async run(task: TaskRef, ctx: TaskContext) {
        const { topic } = task.payload as ResearchPayload
        const resumed = ctx.lastCheckpoint as { notes: string[] } | undefined
        const notes = [...(resumed?.notes ?? [])]
        for (let i = notes.length; i < QUESTIONS_PER_TOPIC; i++) {
          const note = await ctx.step(`ask-${i}`, () => client(ctx.node.id)(`${topic}, question ${i + 1}`))
          notes.push(note)
          await ctx.checkpoint({ notes })
        }
        const finding: Finding = {
          topic,
          summary: `${notes.filter((n) => !n.startsWith('no answer')).length}/${notes.length} answered`,
          by: ctx.node.id,
          epoch: ctx.epoch,
        }
        const doc = (await ctx.node.doc(FINDINGS_DOC)) as unknown as {
          change(fn: (d: Y.Doc) => void): Promise<void>
        }
        await doc.change((d) => d.getMap('byTopic').set(topic, finding))
        return { ...finding, resumedFrom: resumed?.notes.length ?? 0 }
      },
      async compensate(task: TaskRef, ctx: TaskContext) {
        // A duplicate's finding may have landed in the document after the winner's: note the
        // retraction; the report reads each topic's accepted result from the task board.
        const { topic } = task.payload as ResearchPayload
        const doc = (await ctx.node.doc(FINDINGS_DOC)) as unknown as {
          change(fn: (d: Y.Doc) => void): Promise<void>
        }
        await doc.change((d) => d.getMap('retracted').set(`${topic} by ${ctx.node.id}`, true))
      },
    },
  }
}
