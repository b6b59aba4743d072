/**
 * `isthmus report`: what a user who mistypes a path or hands it a cut-short
 * trace sees. A report it cannot write is one line and exit 2 (not an
 * internal error with a stack); a trace without a verdict line renders as
 * "no verdict", neither a green pass nor a red fail.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { runCli, tempDir } from './run-cli.ts'

const dir = tempDir()
const trace = join(dir, 'run.jsonl')

beforeAll(async () => {
  const sim = await runCli(['sim', '--scenario', 'bridge', '--seed', '4', '--trace', trace])
  if (sim.code !== 0) throw new Error(`isthmus sim exited ${sim.code}: ${sim.stderr}`)
})

describe('isthmus report', () => {
  it('says in one line, exit 2, that it cannot write into a missing folder', async () => {
    const out = join(dir, 'missing', 'dir', 'x.html')
    const run = await runCli(['report', trace, '--out', out])
    expect(run.code).toBe(2)
    expect(run.stdout).toBe('')
    expect(run.stderr).toBe(`isthmus: report: cannot write ${out} (no such folder)\n`)
  })

  it('says so, exit 2, when --out names a path through a file', async () => {
    const out = join(trace, 'x.html')
    const run = await runCli(['report', trace, '--out', out])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/^isthmus: report: cannot write .* \(.*not a folder\)\n$/)
  })

  it('renders a trace without a verdict as "no verdict", neither pass nor fail', async () => {
    const lines = readFileSync(trace, 'utf8').trimEnd().split('\n')
    expect(lines.some((line) => line.includes('"k":"verdict"'))).toBe(true)
    const truncated = join(dir, 'truncated.jsonl')
    // Cut where a crash would: the run's second half and its verdict never written.
    writeFileSync(truncated, `${lines.slice(0, Math.floor(lines.length / 2)).join('\n')}\n`)
    const out = join(dir, 'truncated.html')
    const run = await runCli(['report', truncated, '--out', out])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout).toBe(`report: ${out} (no verdict: the trace ends before the run did)\n`)
    const banner = /<div id="verdict" class="([^"]*)">([^<]*)<\/div>/.exec(readFileSync(out, 'utf8'))
    expect(banner?.[1]).toBe('verdict unknown')
    expect(banner?.[2]).toMatch(/^NO VERDICT: the trace ends before the run did/)
    expect(banner?.[2]).not.toMatch(/PASS|FAIL/)
  })

  it('renders the whole trace with its verdict', async () => {
    const out = join(dir, 'whole.html')
    const run = await runCli(['report', trace, '--out', out])
    expect(run.code).toBe(0)
    expect(run.stdout).toBe(`report: ${out}\n`)
    expect(readFileSync(out, 'utf8')).toContain(
      '<div id="verdict" class="verdict pass">PASS: every invariant held</div>',
    )
  })
})
