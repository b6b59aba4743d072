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
import { describe, expect, it } from 'vitest'
import { openReport, screenshotAndClose, sharedBrowser, writeRunReport } from './report-page.ts'

const dir = mkdtempSync(join(tmpdir(), 'isthmus-report-tasks-'))
const browser = sharedBrowser()

/** Runs the named scenario with `seed` and writes its report. */
const report = (name: string, scenario: string, seed: number) =>
  writeRunReport(dir, name, ['--scenario', scenario], seed)

async function render(path: string) {
  const { page, problems } = await openReport(browser(), path)
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
  const screenshot = await screenshotAndClose(page, path)
  return { order, lanes, spec, facts, problems, screenshot }
}

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
