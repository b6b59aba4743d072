import { describe, expect, it } from 'vitest'
import { FAULT_NAMES, parseFaultPlan, parseScenarioFile, ScenarioError } from '../../sim/index.ts'

const ids = ['n1', 'n2', 'n3', 'n4', 'n5']

function problem(plan: unknown): string {
  try {
    parseFaultPlan(plan, ids)
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioError)
    return (error as Error).message
  }
  return 'valid'
}

describe('fault plans as data', () => {
  it('accepts every verb with its arguments and sorts steps by time (stable)', () => {
    const plan = parseFaultPlan(
      [
        { atMs: 900, fault: 'heal', args: [] },
        { atMs: 100, fault: 'partition', args: [[['n1', 'n2'], ['n3']]] },
        { atMs: 100, fault: 'isolate', args: ['n4'] },
        { atMs: 200, fault: 'oneWay', args: ['n1', 'n2'] },
        { atMs: 200, fault: 'bridge', args: [['n1', 'n2'], 'n3', ['n4', 'n5']] },
        { atMs: 200, fault: 'bridge' },
        { atMs: 300, fault: 'majoritiesRing', args: [['n5', 'n4', 'n3', 'n2', 'n1']] },
        { atMs: 300, fault: 'swizzle', args: [{ stepMs: 50, nodes: ['n1', 'n2'] }] },
        { atMs: 400, fault: 'crash', args: ['n1', { loseUnsynced: true }] },
        { atMs: 500, fault: 'restart', args: ['n1'] },
        { atMs: 600, fault: 'pause', args: ['n2', 300] },
        { atMs: 700, fault: 'skew', args: ['n3', -250] },
        { atMs: 800, fault: 'drift', args: ['n4', 1.01] },
        { atMs: 850, fault: 'storeFault', args: ['n5', { failWrites: 2 }] },
        { atMs: 860, fault: 'corrupt', args: ['n1', { records: 1 }] },
        { atMs: 870, fault: 'crash', args: ['n2', { lose: 'unsynced' }] },
      ],
      ids,
    )
    expect(plan.map((s) => s.atMs)).toEqual([
      100, 100, 200, 200, 200, 300, 300, 400, 500, 600, 700, 800, 850, 860, 870, 900,
    ])
    expect(plan.slice(0, 2).map((s) => s.fault)).toEqual(['partition', 'isolate'])
    expect(new Set(plan.map((s) => s.fault))).toEqual(new Set(FAULT_NAMES))
  })

  it('names the bad field', () => {
    expect(problem({})).toBe('plan: expected an array of { atMs, fault, args }')
    expect(problem([{ atMs: -1, fault: 'heal' }])).toMatch(/^plan\[0\]\.atMs: expected a number ≥ 0/)
    expect(problem([{ atMs: 1, fault: 'explode' }])).toMatch(/^plan\[0\]\.fault: unknown fault "explode"/)
    expect(problem([{ atMs: 1, fault: 'heal', when: 2 }])).toBe('plan[0].when: unknown field')
    expect(problem([{ atMs: 1, fault: 'isolate', args: ['n9'] }])).toMatch(
      /^plan\[0\]\.args\[0\]: unknown node "n9"/,
    )
    expect(problem([{ atMs: 1, fault: 'isolate', args: [] }])).toBe(
      'plan[0].args: isolate takes 1 to 1 arguments',
    )
    expect(problem([{ atMs: 1, fault: 'partition', args: [[['n1'], ['n1', 'n2']]] }])).toBe(
      'plan[0].args[0]: node n1 is on two sides',
    )
    expect(problem([{ atMs: 1, fault: 'partition', args: [[['n1'], []]] }])).toMatch(
      /^plan\[0\]\.args\[0\]\[1\]:/,
    )
    expect(problem([{ atMs: 1, fault: 'oneWay', args: ['n1', 'n1'] }])).toBe(
      'plan[0].args: from and to are the same node',
    )
    expect(problem([{ atMs: 1, fault: 'pause', args: ['n1', 0] }])).toMatch(
      /^plan\[0\]\.args\[1\]: expected a number > 0/,
    )
    expect(problem([{ atMs: 1, fault: 'drift', args: ['n1', -1] }])).toMatch(/^plan\[0\]\.args\[1\]/)
    expect(problem([{ atMs: 1, fault: 'crash', args: ['n1', { lose: true }] }])).toBe(
      'plan[0].args[1].lose: expected one of "none", "unsynced"',
    )
    expect(problem([{ atMs: 1, fault: 'crash', args: ['n1', { loseAll: true }] }])).toBe(
      'plan[0].args[1].loseAll: unknown option',
    )
    expect(problem([{ atMs: 1, fault: 'storeFault', args: ['n1'] }])).toBe(
      'plan[0].args: storeFault takes 2 to 2 arguments',
    )
    expect(problem([{ atMs: 1, fault: 'storeFault', args: ['n1', {}] }])).toBe(
      'plan[0].args[1].failWrites: required',
    )
    expect(problem([{ atMs: 1, fault: 'storeFault', args: ['n1', { failWrites: 1.5 }] }])).toBe(
      'plan[0].args[1].failWrites: expected a whole number, got 1.5',
    )
    expect(problem([{ atMs: 1, fault: 'corrupt', args: ['n1', { records: 0 }] }])).toMatch(
      /^plan\[0\]\.args\[1\]\.records: expected a number ≥ 1/,
    )
    expect(problem([{ atMs: 1, fault: 'corrupt', args: ['n1', { bytes: 1 }] }])).toBe(
      'plan[0].args[1].bytes: unknown option',
    )
    expect(problem([{ atMs: 1, fault: 'swizzle', args: [{ stepMs: 'fast' }] }])).toMatch(
      /^plan\[0\]\.args\[0\]\.stepMs/,
    )
    expect(problem([{ atMs: 1, fault: 'majoritiesRing', args: [['n1', 'n2']] }])).toBe(
      'plan[0].args[0]: the ring must list every node once',
    )
    expect(problem([{ atMs: 1, fault: 'bridge', args: [['n1'], 'n1', ['n2']] }])).toBe(
      'plan[0].args: node n1 is on two sides',
    )
  })

  it('reads a scenario file and names its bad fields', () => {
    const file = parseScenarioFile({
      version: 1,
      seed: 3,
      nodes: 5,
      network: { latencyMs: [2, 40], loss: 0.01 },
      plan: [{ atMs: 1000, fault: 'isolate', args: ['n1'] }],
      workload: [{ atMs: 10, node: 'n2', op: 'add', args: 1 }],
    })
    expect(file.plan).toHaveLength(1)
    expect(() => parseScenarioFile({ version: 2, plan: [] })).toThrow('version: expected 1, got 2')
    expect(() => parseScenarioFile({ version: 1, plan: [], colour: 'red' })).toThrow('colour: unknown field')
    expect(() =>
      parseScenarioFile({ version: 1, nodes: 2, plan: [{ atMs: 1, fault: 'isolate', args: ['n3'] }] }),
    ).toThrow(/^plan\[0\]\.args\[0\]: unknown node "n3"/)
    expect(() => parseScenarioFile({ version: 1, network: { latencyMs: [1] }, plan: [] })).toThrow(
      'network.latencyMs: expected [minMs, maxMs]',
    )
    expect(() => parseScenarioFile({ version: 1, plan: [], workload: [{ atMs: 1, node: 'n1' }] })).toThrow(
      'workload[0].op: expected an operation name',
    )
  })
})
