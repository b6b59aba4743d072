/**
 * The report's task lanes in a real headless Chromium (test/support/browser.ts):
 * a task scenario run as `isthmus sim --scenario NAME --report` runs it draws
 * a lane per node with the runs of every task, beside the reachability rows,
 * with the takeovers marked, and counts them in the facts table; a run
 * without tasks draws no lanes. Saves /tmp/isthmus-report-tasks.png for
 * people to look at.
 */
import { copyFileSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runSeed } from '../../../cli/run-seed.ts'
import { resolveRunSpec } from '../../../cli/run-spec.ts'
import { parseSimArgs } from '../../../cli/sim-args.ts'
import { type ReportModel, writeReport } from '../../../sim/report/index.ts'
import { ReportBuilder } from '../../../sim/report/report-model.ts'
import { launchBrowser } from '../../support/browser.ts'

const dir = mkdtempSync(join(tmpdir(), 'isthmus-report-tasks-'))
let browser: Browser

async function report(
  name: string,
  scenario: string,
  seed: number,
): Promise<{ path: string; model: ReportModel }> {
  const builder = new ReportBuilder()
  await runSeed(resolveRunSpec(parseSimArgs(['--scenario', scenario])), seed, {
    sink: (line) => builder.line(line),
  })
  const model = builder.finish()
  const path = join(dir, `${name}.html`)
  writeReport(model, path)
  return { path, model }
}

async function render(path: string) {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } })
  const problems: string[] = []
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`)
  })
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
  page.on('request', (r) => {
    if (!/^(file|data):/.test(r.url())) problems.push(`network request: ${r.url()}`)
  })
  await page.goto(pathToFileURL(path).href)
  await page.waitForSelector('.uplot canvas')
  const order = await page.$$eval('.chart', (els) => els.map((el) => (el as unknown as { id: string }).id))
  const lanes = await page.$$eval('#task-lanes canvas', (els) =>
    els.map((el) => ({
      width: (el as unknown as { width: number }).width,
      height: (el as unknown as { height: number }).height,
    })),
  )
  // The chart's spec as the page drew it (uPlot shows no legend past 20 series).
  const data = JSON.parse((await page.textContent('#report-data')) ?? '{}') as {
    charts: Array<{ id: string; yTicks?: string[]; series: Array<{ label: string }>; markers?: unknown[] }>
  }
  const spec = data.charts.find((c) => c.id === 'task-lanes')
  const facts = (await page.textContent('.facts')) ?? ''
  const screenshot = path.replace(/\.html$/, '.png')
  await page.screenshot({ path: screenshot, fullPage: true })
  await page.close()
  return { order, lanes, spec, facts, problems, screenshot }
}

beforeAll(async () => {
  ;({ browser } = await launchBrowser())
})

afterAll(async () => {
  await browser?.close()
})

describe('task lanes in the HTML report, in headless Chromium', () => {
  it('draws a lane per node with every task run beside reachability, takeovers counted', async () => {
    const { path, model } = await report('owner-crash', 'task-owner-crash', 2)
    const runs = model.taskRuns.filter((r) => r.what === 'run')
    expect(runs.length).toBeGreaterThan(20)
    // The crashed node's runs are cut by the crash; another node takes its tasks over.
    expect(runs.some((r) => r.outcome === 'crashed')).toBe(true)
    const page = await render(path)
    expect(page.problems).toEqual([])
    expect(page.order).toEqual(
      ['pairs', 'reach', 'task-lanes', 'divergence'].filter((id) => page.order.includes(id)),
    )
    expect(page.order.slice(0, 3)).toEqual(['pairs', 'reach', 'task-lanes'])
    expect(page.lanes.length).toBeGreaterThan(0)
    for (const canvas of page.lanes) {
      expect(canvas.width).toBeGreaterThan(300)
      expect(canvas.height).toBeGreaterThan(100)
    }
    // A lane per node, one series per task (kind and id), takeovers marked on the chart.
    expect(page.spec?.yTicks).toEqual(model.ids)
    const labels = page.spec?.series.map((x) => x.label) ?? []
    expect(labels.every((l) => /^(quick|slow|flaky|saga) k[0-9a-f]{6}$/.test(l))).toBe(true)
    expect(labels).toHaveLength(new Set(model.taskRuns.map((r) => r.task)).size)
    expect(page.spec?.markers?.length).toBeGreaterThan(0)
    expect(page.facts).toMatch(
      /tasks\s*\d+ tasks, \d+ handler runs \(\d+ threw, [1-9]\d* cut by a crash\), [1-9]\d* takeovers/,
    )
    copyFileSync(page.screenshot, '/tmp/isthmus-report-tasks.png')
  })

  it('draws no lanes for a run without tasks', async () => {
    const { path, model } = await report('no-tasks', 'partition-heal', 2)
    expect(model.taskRuns).toEqual([])
    const page = await render(path)
    expect(page.problems).toEqual([])
    expect(page.order).not.toContain('task-lanes')
    expect(page.facts).not.toMatch(/handler runs/)
  })
})
