/**
 * What the Chromium report tests share: a simulation run written as an HTML
 * report (as `isthmus sim --report` writes it), one headless browser per test
 * file (test/support/browser.ts), and the report opened in it with every
 * console error or warning, page error and network request collected as a
 * problem (the report must draw offline and cleanly).
 */
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll } from 'vitest'
import { runSeed } from '../../../cli/run-seed.ts'
import { resolveRunSpec } from '../../../cli/run-spec.ts'
import { parseSimArgs } from '../../../cli/sim-args.ts'
import { type ReportModel, writeReport } from '../../../sim/report/index.ts'
import { ReportBuilder } from '../../../sim/report/report-model.ts'
import { launchBrowser } from '../../support/browser.ts'

/** Runs `args` as `isthmus sim` would with `seed` and writes its report to `dir/name.html`. */
export async function writeRunReport(
  dir: string,
  name: string,
  args: string[],
  seed: number,
): Promise<{ path: string; model: ReportModel }> {
  const builder = new ReportBuilder()
  await runSeed(resolveRunSpec(parseSimArgs(args)), seed, { sink: (line) => builder.line(line) })
  const model = builder.finish()
  const path = join(dir, `${name}.html`)
  writeReport(model, path)
  return { path, model }
}

/** One headless browser for the calling test file: launched before its tests, closed after them. */
export function sharedBrowser(): () => Browser {
  let browser: Browser | undefined
  beforeAll(async () => {
    ;({ browser } = await launchBrowser())
  })
  afterAll(async () => {
    await browser?.close()
  })
  return () => {
    if (browser === undefined) throw new Error('the browser is launched in beforeAll')
    return browser
  }
}

/** Opens the report at `path` in a new 1200×900 page and waits for its charts to draw. */
export async function openReport(
  browser: Browser,
  path: string,
): Promise<{ page: Page; problems: string[] }> {
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
  return { page, problems }
}

/** Screenshots the whole page beside the report (`.png` for `.html`), closes the page; the screenshot's path. */
export async function screenshotAndClose(page: Page, reportPath: string): Promise<string> {
  const screenshot = reportPath.replace(/\.html$/, '.png')
  await page.screenshot({ path: screenshot, fullPage: true })
  await page.close()
  return screenshot
}
