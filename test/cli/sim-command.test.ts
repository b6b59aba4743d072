import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { runSeed } from '../../cli/run-seed.ts'
import { resolveRunSpec } from '../../cli/run-spec.ts'
import { parseSimArgs } from '../../cli/sim-args.ts'
import { writesFromSeed } from '../../sim/agent-workload.ts'
import {
  checkScenarios,
  runScenario,
  ScenarioFailure,
  type ScenarioInput,
  writeScenarioFile,
} from '../../sim/index.ts'
import { compactingStore, scenarioNames } from '../../sim/scenarios/index.ts'
import { failingScenario, runCli, tempDir, writeJson } from './run-cli.ts'

interface JsonVerdict {
  ok: boolean
  seed: number
  traceHash: string
  violations: Array<{ invariant: string; detail: string; atMs: number }>
  figures: Record<string, number | boolean>
}

function verdicts(stdout: string): JsonVerdict[] {
  return stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as JsonVerdict)
}

describe('isthmus sim', () => {
  it('runs partition-heal, prints a summary with the replay command, and exits 0', async () => {
    const run = await runCli(['sim', '--seed', '7'])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('scenario: partition-heal, seed 7, 5 nodes')
    expect(run.stdout).toContain('invariants: every one held')
    expect(run.stdout).toMatch(/trace hash: [0-9a-f]{16}/)
    expect(run.stdout).toContain('replay: npx isthmus sim --scenario partition-heal --seed 7')
  })

  it('--json prints one parseable line; the same seed gives the same hash in another process, with or without a report', async () => {
    const dir = tempDir()
    const [a, b] = await Promise.all([
      runCli(['sim', '--seed', '11', '--json']),
      runCli([
        'sim',
        '--seed',
        '11',
        '--json',
        '--report',
        join(dir, 'r.html'),
        '--trace',
        join(dir, 't.jsonl'),
      ]),
    ])
    expect([a.code, b.code]).toEqual([0, 0])
    const [va] = verdicts(a.stdout)
    const [vb] = verdicts(b.stdout)
    expect(Object.keys(va ?? {})).toEqual(['ok', 'seed', 'traceHash', 'violations', 'figures'])
    expect(va?.ok).toBe(true)
    expect(va?.seed).toBe(11)
    expect(va?.traceHash).toMatch(/^[0-9a-f]{16}$/)
    expect(va?.figures.converged).toBe(true)
    expect(vb?.traceHash).toBe(va?.traceHash)
    const other = verdicts((await runCli(['sim', '--seed', '12', '--json'])).stdout)[0]
    expect(other?.traceHash).not.toBe(va?.traceHash)
  })

  it('--seeds 4 runs four seeds on worker threads and reports four results in seed order', async () => {
    const run = await runCli(['sim', '--scenario', 'crash-restart', '--seeds', '4', '--seed', '20', '--json'])
    expect(run.code).toBe(0)
    const lines = verdicts(run.stdout)
    expect(lines.map((v) => v.seed)).toEqual([20, 21, 22, 23])
    expect(lines.every((v) => v.ok)).toBe(true)
    expect(new Set(lines.map((v) => v.traceHash)).size).toBe(4)
    expect(run.stderr).toContain('seeds 20..23: 4 passed, 0 failed')
  })

  it('a violated invariant exits 1 and names the first failing seed with its replay command', async () => {
    const file = writeJson(tempDir(), 'split.json', failingScenario)
    const json = await runCli(['sim', '--scenario', file, '--seed', '3', '--json'])
    expect(json.code).toBe(1)
    const [verdict] = verdicts(json.stdout)
    expect(verdict?.ok).toBe(false)
    expect(verdict?.violations.map((v) => v.invariant)).toContain('liveness')
    const many = await runCli(['sim', '--scenario', file, '--seeds', '2'])
    expect(many.code).toBe(1)
    expect(many.stdout).toContain('seeds 1..2: 0 passed, 2 failed')
    expect(many.stdout).toContain(`first failing seed: 1`)
    expect(many.stdout).toContain(`replay: npx isthmus sim --scenario ${file} --seed 1`)
  })

  it('replays a plan file: a bare array of steps, or a whole scenario file as a failing property writes it', async () => {
    const dir = tempDir()
    const steps = writeJson(dir, 'steps.json', [
      { atMs: 800, fault: 'isolate', args: ['n3'] },
      { atMs: 2500, fault: 'heal', args: [] },
    ])
    const array = await runCli(['sim', '--plan', steps, '--seed', '2'])
    expect(array.code).toBe(0)
    expect(array.stdout).toContain('faults: 800 ms isolate n3; 2500 ms heal')
    const whole = writeJson(dir, 'scenario.json', {
      version: 1,
      seed: 9,
      nodes: 3,
      plan: [{ atMs: 100, fault: 'crash', args: ['n2'] }],
    })
    const replay = await runCli(['sim', '--plan', whole])
    expect(replay.code).toBe(0)
    expect(replay.stdout).toContain('seed 9, 3 nodes (n1 n2 n3)')
  })

  it('--trace then `isthmus report` renders the same run', async () => {
    const dir = tempDir()
    const trace = join(dir, 'run.jsonl')
    const sim = await runCli(['sim', '--scenario', 'bridge', '--seed', '4', '--json', '--trace', trace])
    const hash = verdicts(sim.stdout)[0]?.traceHash ?? 'none'
    const report = await runCli(['report', trace, '--out', join(dir, 'run.html')])
    expect(report.code).toBe(0)
    expect(report.stdout).toContain('run.html')
    const html = readFileSync(join(dir, 'run.html'), 'utf8')
    expect(html).toContain(hash)
    expect(html).toContain('PASS: every invariant held')
  })

  it('--help lists every named scenario', async () => {
    const run = await runCli(['sim', '--help'])
    expect(run.code).toBe(0)
    for (const name of scenarioNames) expect(run.stdout).toContain(`  ${name}`)
  })
})

describe.concurrent('bad input: one line on stderr, exit 2, no stack trace', () => {
  const cases: Array<[string, string[], string]> = [
    [
      'a non-numeric --seeds',
      ['sim', '--seeds', 'x'],
      'isthmus: --seeds must be a positive integer (got "x")',
    ],
    ['zero --seeds', ['sim', '--seeds', '0'], 'isthmus: --seeds must be a positive integer (got "0")'],
    [
      'a negative --seed',
      ['sim', '--seed=-3'],
      'isthmus: --seed must be an integer from 0 to 2147483647 (got "-3")',
    ],
    [
      'a value that looks like an option',
      ['sim', '--seed', '-3'],
      "isthmus: --seed needs a value (one starting with '-' is written --seed=VALUE)",
    ],
    [
      '--nodes beyond the bound',
      ['sim', '--nodes', '501'],
      'isthmus: --nodes must be an integer from 1 to 500 (got "501")',
    ],
    [
      'a fractional --duration',
      ['sim', '--duration', '1.5'],
      'isthmus: --duration must be a positive integer of virtual ms',
    ],
    ['an unknown option', ['sim', '--sed', '1'], "isthmus: unknown option '--sed' (see isthmus sim --help)"],
    ['a missing value', ['sim', '--seed'], 'isthmus: --seed needs a value'],
    ['a stray argument', ['sim', 'partition-heal'], "isthmus: unexpected argument 'partition-heal'"],
    [
      'an unknown scenario',
      ['sim', '--scenario', 'split-brain'],
      'isthmus: --scenario: unknown scenario "split-brain" (known: partition-heal',
    ],
    [
      'too few nodes for a scenario',
      ['sim', '--scenario', 'majorities-ring', '--nodes', '3'],
      'isthmus: --nodes: scenario majorities-ring needs at least 4 nodes (got 3)',
    ],
    ['a missing scenario file', ['sim', '--scenario', './nope.json'], 'isthmus: --scenario: cannot read'],
    ['an unknown command', ['simulate'], "isthmus: unknown command 'simulate'"],
  ]
  for (const [what, args, message] of cases) {
    it(what, async () => {
      const run = await runCli(args)
      expect(run.code).toBe(2)
      expect(run.stdout).toBe('')
      expect(run.stderr.trim().split('\n')).toHaveLength(1)
      expect(run.stderr).toContain(message)
      expect(run.stderr).not.toMatch(/\n\s+at /)
    })
  }

  it('a malformed scenario file names the field', async () => {
    const dir = tempDir()
    const unknownNode = writeJson(dir, 'n9.json', {
      version: 1,
      nodes: 3,
      plan: [{ atMs: 10, fault: 'isolate', args: ['n9'] }],
    })
    const unknownField = writeJson(dir, 'field.json', { version: 1, plan: [], seeed: 3 })
    const badTime = writeJson(dir, 'time.json', { version: 1, plan: [{ atMs: -5, fault: 'heal', args: [] }] })
    const notJson = join(dir, 'broken.json')
    await import('node:fs').then((fs) => fs.writeFileSync(notJson, '{ "version": 1, '))
    const expected: Array<[string, string]> = [
      [unknownNode, 'isthmus: scenario.plan[0].args[0]: unknown node "n9"'],
      [unknownField, 'isthmus: scenario.seeed: unknown field'],
      [badTime, 'isthmus: scenario.plan[0].atMs: expected a number ≥ 0'],
      [notJson, 'is not JSON'],
    ]
    for (const [file, message] of expected) {
      const run = await runCli(['sim', '--scenario', file])
      expect(run.code, file).toBe(2)
      expect(run.stderr.trim().split('\n')).toHaveLength(1)
      expect(run.stderr).toContain(message)
      expect(run.stderr).toContain(file)
    }
  })

  it('--nodes that a scenario file plan does not fit names the step', async () => {
    const file = writeJson(tempDir(), 'five.json', {
      version: 1,
      nodes: 5,
      plan: [{ atMs: 10, fault: 'crash', args: ['n5'] }],
    })
    const run = await runCli(['sim', '--scenario', file, '--nodes', '3'])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('scenario.plan[0].args[0]: unknown node "n5"')
  })

  it('a report path that cannot be written fails before the run', async () => {
    const run = await runCli(['sim', '--report', '/nonexistent-dir/r.html'])
    expect(run.code).toBe(2)
    expect(run.stderr.trim()).toBe('isthmus: --report: cannot write "/nonexistent-dir/r.html" (ENOENT)')
    expect(existsSync('/nonexistent-dir')).toBe(false)
  })
})

describe('replay fidelity: the printed command reproduces the trace hash', () => {
  const nodes = ['n1', 'n2', 'n3', 'n4']
  const input: ScenarioInput = {
    seed: 42,
    plan: [
      { atMs: 300, fault: 'storeFault', args: ['n2', { failWrites: 1 }] },
      {
        atMs: 500,
        fault: 'partition',
        args: [
          [
            ['n1', 'n2'],
            ['n3', 'n4'],
          ],
        ],
      },
      { atMs: 900, fault: 'crash', args: ['n3', { lose: 'unsynced' }] },
      { atMs: 1500, fault: 'heal', args: [] },
      { atMs: 1600, fault: 'restart', args: ['n3'] },
    ],
    workload: writesFromSeed(42, nodes, 2000, 100),
  }

  it('a failing property prints a replay command that carries the network, store and node options', async () => {
    let hash = ''
    const run = async (i: ScenarioInput) => {
      const verdict = await runScenario({
        ...i,
        nodes,
        network: { latencyMs: [2, 25], loss: 0.03, duplicate: 0.02, reorder: true },
        node: { heartbeatMs: 200, members: nodes },
        storeSyncMs: 4,
        storeOptions: compactingStore,
        durationMs: 2500,
        livenessMsMax: 15_000,
      })
      hash = verdict.traceHash
      // Forced to fail: what is under test is the replay, not the run.
      return { ...verdict, ok: false }
    }
    const failure = await checkScenarios(fc.constant(input), run, { numRuns: 1 }).catch((e: unknown) => e)
    expect(failure).toBeInstanceOf(ScenarioFailure)
    const message = (failure as ScenarioFailure).message
    expect(message).toContain(`trace hash ${hash}`)
    const command = /replay: npx isthmus (.*)/.exec(message)?.[1]?.split(' ') ?? []
    expect(command.slice(0, 3)).toEqual(['sim', '--seed', '42'])
    const replayed = await runCli([...command, '--json'])
    expect(verdicts(replayed.stdout)[0]?.traceHash).toBe(hash)
  })

  it('a named scenario run replays from the file its verdict carries (sync delay, compaction thresholds)', async () => {
    const verdict = await runSeed(
      resolveRunSpec(parseSimArgs(['--scenario', 'storage-faults', '--nodes', '4'])),
      3,
    )
    expect(verdict.replay).toMatchObject({ storeSyncMs: 5, store: compactingStore, nodes: nodes })
    const file = writeScenarioFile(verdict.replay, tempDir())
    const replayed = await runCli(['sim', '--plan', file, '--seed', '3', '--json'])
    expect(verdicts(replayed.stdout)[0]?.traceHash).toBe(verdict.traceHash)
    const named = await runCli([
      'sim',
      '--scenario',
      'storage-faults',
      '--nodes',
      '4',
      '--seed',
      '3',
      '--json',
    ])
    expect(verdicts(named.stdout)[0]?.traceHash).toBe(verdict.traceHash)
  })
})

describe('a command not built yet', () => {
  it('bench says so and exits 2', async () => {
    const run = await runCli(['bench'])
    expect(run.code).toBe(2)
    expect(run.stderr.trim()).toBe('isthmus bench: not built yet')
  })
})
