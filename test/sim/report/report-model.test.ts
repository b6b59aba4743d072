import { describe, expect, it } from 'vitest'
import { runSeed } from '../../../cli/run-seed.ts'
import { resolveRunSpec } from '../../../cli/run-spec.ts'
import { parseSimArgs } from '../../../cli/sim-args.ts'
import { seedSummary } from '../../../cli/summary.ts'
import { convergenceOf, faultLabel, stepSeries } from '../../../sim/report/charts.ts'
import { renderReport } from '../../../sim/report/html.ts'
import { LinkReplay } from '../../../sim/report/link-replay.ts'
import { ReportBuilder, reportModelOf } from '../../../sim/report/report-model.ts'
import { divergence } from '../../../sim/report/sampler.ts'

const ids = ['n1', 'n2', 'n3', 'n4', 'n5']

function upReplay(): LinkReplay {
  const replay = new LinkReplay(ids, true)
  for (const id of ids) replay.node(id, 'started')
  return replay
}

describe('link replay', () => {
  it('a partition cuts the cross pairs both ways; a heal restores them', () => {
    const replay = upReplay()
    expect(
      replay.fault('partition', [
        [
          ['n1', 'n2'],
          ['n3', 'n4', 'n5'],
        ],
      ]),
    ).toBe(true)
    const cut = replay.snapshot(1000)
    expect(cut.reach).toEqual([1, 1, 2, 2, 2])
    expect(cut.pairs[0]).toBe(2) // n1–n2
    expect(cut.pairs[1]).toBe(0) // n1–n3
    expect(replay.fault('heal', [])).toBe(true)
    expect(replay.snapshot(2000).reach).toEqual([4, 4, 4, 4, 4])
    expect(replay.fault('heal', [])).toBe(false)
  })

  it('a one-way cut leaves the pair half up; swizzle cuts and restores single pairs', () => {
    const replay = upReplay()
    replay.fault('oneWay', ['n1', 'n2'])
    const oneWay = replay.snapshot(1)
    expect(oneWay.pairs[0]).toBe(1)
    expect(oneWay.reach.slice(0, 2)).toEqual([3, 4])
    replay.fault('cut', ['n3', 'n4'])
    expect(replay.snapshot(2).reach).toEqual([3, 4, 3, 3, 4])
    replay.fault('restore', ['n3', 'n4'])
    expect(replay.snapshot(3).reach).toEqual([3, 4, 4, 4, 4])
  })

  it('a bridge leaves only the middle reaching both sides; a crashed node reaches no one', () => {
    const replay = upReplay()
    replay.fault('bridge', [['n1', 'n2'], 'n3', ['n4', 'n5']])
    expect(replay.snapshot(1).reach).toEqual([2, 2, 4, 2, 2])
    replay.node('n3', 'crash')
    expect(replay.snapshot(2).reach).toEqual([1, 1, null, 1, 1])
  })
})

describe('divergence', () => {
  it('counts the batches each node lacks from the union; a down node is null', () => {
    const { behind, held } = divergence([{ n1: 3, n2: 1 }, { n1: 1, n2: 2 }, undefined, {}])
    expect(held).toBe(5)
    expect(behind).toEqual([1, 2, null, 5])
  })
})

describe('report model', () => {
  const lines = [
    '{"t":0,"k":"options","seed":5,"options":{"nodes":["n1","n2","n3"],"network":{}}}',
    ...['n1', 'n2', 'n3'].map((n) => `{"t":0,"k":"node","node":"${n}","what":"started"}`),
    '{"t":0,"k":"phase","phase":"safety"}',
    '{"t":3,"k":"send","from":"n1","to":"n2","msg":1,"bytes":9}',
    '{"t":100,"k":"fault","fault":"isolate","args":["n3"]}',
    '{"t":150,"k":"sample","behind":{"n1":0,"n2":0,"n3":2},"held":4}',
    '{"t":400,"k":"fault","fault":"heal","args":[]}',
    '{"t":450,"k":"sample","behind":{"n1":0,"n2":0,"n3":1},"held":4}',
    '{"t":500,"k":"phase","phase":"liveness"}',
    '{"t":520,"k":"sample","behind":{"n1":0,"n2":0,"n3":0},"held":4}',
    '{"t":600,"k":"sample","behind":{"n1":0,"n2":0,"n3":0},"held":4}',
  ]

  it('keeps faults, phases and samples, and only counts the hot lines', () => {
    const model = reportModelOf(lines)
    expect(model.ids).toEqual(['n1', 'n2', 'n3'])
    expect(model.seed).toBe(5)
    expect(model.counts.send).toBe(1)
    expect(model.faults.map((f) => f.fault)).toEqual(['isolate', 'heal'])
    expect(model.links.map((s) => s.t)).toEqual([0, 100, 400])
    expect(model.samples).toHaveLength(4)
    expect(model.endMs).toBe(600)
    expect(new ReportBuilder().line('not json at all')).toBe(false)
  })

  it('takes the convergence point from the verdict, as the CLI does (sim/report/convergence.ts)', () => {
    const verdict = (converged: boolean) =>
      `{"t":600,"k":"verdict","ok":${converged},"seed":5,"traceHash":"x","violations":[],"figures":{"virtualMs":600,"converged":${converged}}}`
    expect(convergenceOf(reportModelOf([...lines, verdict(true)]))).toEqual({
      atMs: 600,
      livenessMs: 500,
      networkChangedMs: 400,
    })
    expect(convergenceOf(reportModelOf([...lines, verdict(false)])).atMs).toBeUndefined()
    // Settled samples alone do not make a convergence point: without a verdict nobody checked.
    expect(convergenceOf(reportModelOf(lines)).atMs).toBeUndefined()
  })

  it('prints the same convergence time in the CLI summary and the report of one run', async () => {
    const spec = resolveRunSpec(parseSimArgs(['--scenario', 'partition-heal']))
    const builder = new ReportBuilder()
    const verdict = await runSeed(spec, 42, { sink: (line) => builder.line(line) })
    const cli = seedSummary(spec, verdict).find((line) => line.startsWith('converged: '))
    const cliMs = Number(/^converged: yes, at (\d+) ms/.exec(cli ?? '')?.[1])
    expect(cliMs).toBeGreaterThan(0)
    const html = renderReport(builder.finish())
    const reported = /<th>converged<\/th><td>([\d,]+) ms/.exec(html)?.[1]
    expect(Number(reported?.replaceAll(',', ''))).toBe(cliMs)
  })

  it('turns step data into explicit segments that end just before the next change', () => {
    const { x, values } = stepSeries([0, 100], 300, [[1, null]])
    expect(x).toEqual([0, 100 - 1e-3, 100, 300])
    expect(values).toEqual([[1, 1, null, null]])
  })

  it('labels faults in a few words', () => {
    expect(faultLabel({ fault: 'partition', args: [[['n1', 'n2'], ['n3']]] })).toBe('partition n1 n2 | n3')
    expect(faultLabel({ fault: 'skew', args: ['n1', 700] })).toBe('skew n1 +700 ms')
    expect(faultLabel({ fault: 'swizzle', args: [{ stepMs: 150, nodes: ['n1', 'n3'] }] })).toBe(
      'swizzle n1 n3 every 150 ms',
    )
    expect(faultLabel({ fault: 'crash', args: ['n4', { lose: 'unsynced' }] })).toBe(
      'crash n4 (losing unsynced)',
    )
    expect(faultLabel({ fault: 'crash', args: ['n4', { loseUnsynced: true }] })).toBe(
      'crash n4 (losing unsynced)',
    )
    expect(faultLabel({ fault: 'crash', args: ['n4', {}] })).toBe('crash n4')
  })

  it('escapes what the trace says, in the tables and in the embedded data', () => {
    const hostile = '</script><img src=x onerror=alert(1)>'
    const html = renderReport(
      reportModelOf([...lines, JSON.stringify({ t: 600, k: 'violation', invariant: 'x', detail: hostile })]),
    )
    expect(html).not.toContain(hostile)
    // No verdict line: the violation is counted, without a pass or fail the run never reached.
    expect(html).toContain(
      'NO VERDICT: the trace ends before the run did (1 violation recorded before it ends)',
    )
    expect(html.match(/<\/script>/g)).toHaveLength(3)
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+stylesheet/)
  })
})
