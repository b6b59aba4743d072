/**
 * The swarm in the deterministic simulator: five real isthmus nodes on
 * simulated network, clocks and stores, the same handlers and mission as
 * over libp2p. Writes the simulator's HTML report of the run (reachability,
 * divergence, faults, the verdict of every invariant, work included).
 */

import { ReportBuilder, writeReport } from '../../sim/report/index.ts'
import type { ScenarioRecord, VerdictRecord } from '../../sim/report/records.ts'
import { divergenceSampler } from '../../sim/report/sampler.ts'
import { Simulation } from '../../sim/simulation.ts'
import type { AgentNode } from '../../src/node/agent-node.ts'
import { type MissionSummary, runMission, type SwarmWorld } from './mission.ts'
import { researchHandlers } from './research.ts'

/** Virtual ms per step while waiting on a condition. */
const STEP_MS = 50

export interface SimSwarmResult {
  summary: MissionSummary
  ok: boolean
  violations: string[]
  virtualMs: number
}

export async function runSimSwarm(options: {
  seed: number
  reportPath?: string
  say: (line: string) => void
}): Promise<SimSwarmResult> {
  const builder = new ReportBuilder()
  const sink = options.reportPath === undefined ? undefined : (line: string) => builder.line(line)
  const sampler = divergenceSampler<AgentNode>({
    everyMs: 100,
    vector: (node) => node.versionVector(),
    emit: (sample) => sink?.(JSON.stringify(sample)),
  })
  let created: Simulation<AgentNode> | undefined
  const handlers = researchHandlers((id) => (created as Simulation<AgentNode>).node(id).env)
  const s: Simulation<AgentNode> = await Simulation.create<AgentNode>({
    seed: options.seed,
    nodes: 5,
    node: { handlers, partitionPolicy: 'majority' },
    ...(sink === undefined ? {} : { trace: { sink } }),
    invariants: [sampler.invariant],
  })
  created = s
  const scenario: ScenarioRecord = {
    t: 0,
    k: 'scenario',
    name: 'research-swarm',
    summary:
      'five agents research ten topics; a 2|3 partition strikes, a node running work is killed, the swarm heals',
    protocol: 'isthmus nodes (createNode), research tasks over a flaky model',
    seed: options.seed,
    nodes: [...s.ids],
    replay: `node examples/research-swarm/main.ts --sim --seed ${options.seed}`,
  }
  sink?.(JSON.stringify(scenario))
  const world: SwarmWorld = {
    ids: s.ids,
    node: (id) => s.node(id),
    partition: (sides) => s.partition(sides),
    heal: () => s.heal(),
    kill: async (id) => s.crash(id),
    async until(done, what, maxMs) {
      const endMs = s.nowMs + maxMs
      while (!done()) {
        if (s.nowMs >= endMs) throw new Error(`simulation: no ${what} within ${maxMs} virtual ms`)
        await s.runFor(STEP_MS)
      }
    },
    say: (line) => options.say(`[${(s.nowMs / 1000).toFixed(2)} s virtual] ${line}`),
  }
  const summary = await runMission(world)
  await s.runUntilQuiet({ maxMs: 30_000 })
  sampler.sampleNow()
  const check = s.check()
  const figures = s.figures()
  const verdict: VerdictRecord = {
    t: s.nowMs,
    k: 'verdict',
    ok: check.ok,
    seed: options.seed,
    traceHash: s.traceHash(),
    violations: check.violations,
    figures: { ...figures },
  }
  sink?.(JSON.stringify(verdict))
  const virtualMs = s.nowMs
  await s.stop()
  if (options.reportPath !== undefined) writeReport(builder.finish(), options.reportPath)
  return {
    summary,
    ok: check.ok,
    violations: check.violations.map((v) => `${v.invariant}: ${v.detail}`),
    virtualMs,
  }
}
