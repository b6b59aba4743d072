/**
 * The mission, written once against a `SwarmWorld` (five running nodes and
 * the faults the world can make): submit the job, let it run, split the
 * swarm 2 | 3 mid-way, kill a node of the larger side that is running work
 * (leaving no side a majority: nothing moves while split), heal (four of
 * five: the victim's tasks are taken over, resuming from checkpoints), and wait until every task is settled and every node holds the same
 * findings. Returns what a summary prints.
 */
import type { AgentNode } from '../../src/node/agent-node.ts'
import type { WorkMetricsSnapshot } from '../../src/work/work-metrics.ts'
import { FINDINGS_DOC, type Finding, RESEARCH_TOPICS } from './research.ts'

export interface SwarmWorld {
  readonly ids: readonly string[]
  /** A running node. */
  node(id: string): AgentNode
  partition(sides: string[][]): void
  heal(): void
  /** Kills a node without warning. */
  kill(id: string): Promise<void>
  /** Lets time pass (virtual or real) until `done()`; rejects after `maxMs` naming `what`. */
  until(done: () => boolean, what: string, maxMs: number): Promise<void>
  say(line: string): void
}

export interface MissionSummary {
  tasks: number
  completed: number
  killed: string
  takeovers: number
  resumedFromCheckpoint: number
  duplicates: number
  compensations: number
  retries: number
  findings: Finding[]
  findingsAgree: boolean
}

const missionMsMax = 120_000

function done(node: AgentNode): number {
  return node.tasks.list({ kind: 'research' }).filter((t) => t.status === 'completed').length
}

function settled(node: AgentNode): boolean {
  return node.tasks.list({ kind: 'research' }).every((t) => t.duplicates.every((d) => d.compensated))
}

function findingsOf(node: AgentNode): string {
  return node.documentValues().find(([name]) => name === FINDINGS_DOC)?.[1] ?? '{}'
}

export async function runMission(world: SwarmWorld): Promise<MissionSummary> {
  const [first, second, ...rest] = world.ids as string[]
  const entry = world.node(first as string)
  await entry.doc(FINDINGS_DOC)
  for (const topic of RESEARCH_TOPICS)
    await entry.tasks.submit({ kind: 'research', key: topic, payload: { topic } })
  world.say(`submitted ${RESEARCH_TOPICS.length} research tasks on ${first}`)
  await world.until(() => done(entry) >= 2, 'two findings before the partition', missionMsMax)

  const minority = [first as string, second as string]
  world.partition([minority, rest])
  world.say(`partition: ${minority.join(', ')} | ${rest.join(', ')}`)
  const majorityNode = world.node(rest[0] as string)
  const running = majorityNode.tasks.list({ status: 'running' }).map((t) => t.owner)
  const victim = rest.slice(1).find((id) => running.includes(id)) ?? (rest.at(-1) as string)
  await world.until(() => done(majorityNode) >= done(entry) + 1, 'progress on the majority', missionMsMax)
  await world.kill(victim)
  world.say(`killed ${victim} (it was running tasks)`)
  // Two of five are left on that side: no majority, so nobody takes over until the heal.
  await world.until(
    () => majorityNode.view().members.some((m) => m.id === victim && m.status !== 'alive'),
    `${rest[0]} to notice ${victim} is gone`,
    missionMsMax,
  )

  world.heal()
  world.say('healed')
  const live = world.ids.filter((id) => id !== victim)
  await world.until(
    () =>
      live.every((id) => done(world.node(id)) === RESEARCH_TOPICS.length) &&
      new Set(live.map((id) => findingsOf(world.node(id)))).size === 1 &&
      live.every((id) => world.node(id).tasks.list({ status: 'compensating' }).length === 0) &&
      // A duplicate (a run that completed on the minority before it knew it had lost) is compensated
      // after the heal, once its node holds its lease again: the summary counts it only then.
      live.every((id) => settled(world.node(id))),
    'every task settled (duplicates compensated) and the findings merged everywhere',
    missionMsMax,
  )
  return summarize(world, live, victim)
}

function summarize(world: SwarmWorld, live: string[], victim: string): MissionSummary {
  const works = live.map((id) => world.node(id).metrics().work as WorkMetricsSnapshot)
  const sum = (f: (w: WorkMetricsSnapshot) => number) => works.reduce((a, w) => a + f(w), 0)
  const node = world.node(live[0] as string)
  // The accepted result of each task: one per topic, the same on every node.
  const accepted = node.tasks.list({ kind: 'research' }).map((t) => t.result as Finding)
  return {
    tasks: node.tasks.list({ kind: 'research' }).length,
    completed: done(node),
    killed: victim,
    takeovers: sum((w) => w.takeovers),
    resumedFromCheckpoint: sum((w) => w.resumedFromCheckpoint),
    duplicates: works[0]?.duplicateRuns ?? 0,
    compensations: sum((w) => w.compensations),
    retries: sum((w) => w.retries),
    findings: accepted.sort((a, b) => (a.topic < b.topic ? -1 : 1)),
    findingsAgree: new Set(live.map((id) => findingsOf(world.node(id)))).size === 1,
  }
}

/** The summary as a few lines for a terminal. */
export function summaryLines(s: MissionSummary): string[] {
  return [
    `tasks completed: ${s.completed}/${s.tasks} (killed: ${s.killed})`,
    `takeovers: ${s.takeovers}, resumed from a checkpoint: ${s.resumedFromCheckpoint}, retries: ${s.retries}`,
    `duplicates settled: ${s.duplicates}, compensations: ${s.compensations}`,
    `findings (the same on every live node: ${s.findingsAgree ? 'yes' : 'NO'}):`,
    ...s.findings.map((f) => `  - ${f.topic}: ${f.summary} (by ${f.by.slice(-8)}, epoch ${f.epoch})`),
  ]
}
