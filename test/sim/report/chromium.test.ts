/**
 * The report in a real browser: headless Chromium (the system one if the
 * machine has it, else the one @sparticuz/chromium ships; test/support/browser.ts),
 * driven by playwright-core. Checks that every chart draws (canvases with a size), the
 * verdict is there, nothing logs an error and nothing is fetched from the
 * network; saves screenshots (a temp folder, and /tmp/isthmus-report.png
 * for people to look at).
 */
import { copyFileSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runSeed } from '../../../cli/run-seed.ts'
import { resolveRunSpec } from '../../../cli/run-spec.ts'
import { parseSimArgs } from '../../../cli/sim-args.ts'
import { writeReport } from '../../../sim/report/index.ts'
import { ReportBuilder } from '../../../sim/report/report-model.ts'
import { failingScenario, writeJson } from '../../cli/run-cli.ts'
import { openReport, screenshotAndClose, sharedBrowser, writeRunReport } from './report-page.ts'

const dir = mkdtempSync(join(tmpdir(), 'isthmus-report-'))
const browser = sharedBrowser()

/** Runs `args` as `isthmus sim` would and writes its report; returns the path. */
async function report(name: string, args: string[], seed: number): Promise<string> {
  return (await writeRunReport(dir, name, args, seed)).path
}

interface Rendered {
  verdict: string
  verdictClass: string
  canvases: Array<{ width: number; height: number }>
  problems: string[]
  screenshot: string
}

async function render(path: string): Promise<Rendered> {
  const { page, problems } = await openReport(browser(), path)
  const verdict = (await page.textContent('#verdict')) ?? ''
  const verdictClass = (await page.getAttribute('#verdict', 'class')) ?? ''
  const canvases = await page.$$eval('.chart canvas', (els) =>
    els.map((el) => ({
      width: (el as unknown as { width: number }).width,
      height: (el as unknown as { height: number }).height,
    })),
  )
  const screenshot = await screenshotAndClose(page, path)
  return { verdict, verdictClass, canvases, problems, screenshot }
}

describe('the HTML report in headless Chromium', () => {
  it('renders a passing partition-heal run: pair rows, reach, divergence, verdict', async () => {
    const page = await render(await report('partition-heal', ['--scenario', 'partition-heal'], 42))
    expect(page.problems).toEqual([])
    expect(page.verdict).toContain('PASS: every invariant held')
    expect(page.canvases).toHaveLength(3)
    for (const canvas of page.canvases) {
      expect(canvas.width).toBeGreaterThan(300)
      expect(canvas.height).toBeGreaterThan(100)
    }
    copyFileSync(page.screenshot, '/tmp/isthmus-report.png')
  })

  it('renders a failing run with its violations', async () => {
    const file = writeJson(dir, 'split.json', failingScenario)
    const page = await render(await report('failing', ['--scenario', file], 3))
    expect(page.problems).toEqual([])
    expect(page.verdict).toMatch(/^FAIL: \d+ violations$/)
    expect(page.canvases).toHaveLength(3)
  })

  it('renders a trace cut short as "no verdict", in neither pass nor fail colours', async () => {
    const lines: string[] = []
    await runSeed(resolveRunSpec(parseSimArgs(['--scenario', 'partition-heal'])), 42, {
      sink: (line) => lines.push(line),
    })
    const builder = new ReportBuilder()
    for (const line of lines.slice(0, Math.floor(lines.length / 2))) builder.line(line)
    const path = join(dir, 'truncated.html')
    writeReport(builder.finish(), path)
    const page = await render(path)
    expect(page.problems).toEqual([])
    expect(page.verdict).toMatch(/^NO VERDICT: the trace ends before the run did/)
    expect(page.verdictClass).toBe('verdict unknown')
  })

  it('renders a 20-node crash-restart run without pair rows', async () => {
    const page = await render(
      await report('crash-restart-20', ['--scenario', 'crash-restart', '--nodes', '20'], 1),
    )
    expect(page.problems).toEqual([])
    expect(page.verdict).toContain('PASS')
    expect(page.canvases).toHaveLength(2)
  })
})
