/**
 * The live status page of `isthmus node --metrics-port`, in a real headless
 * Chromium (test/support/browser.ts): two real node processes on loopback
 * running tasks, the page of one of them opened over HTTP. Checks that every
 * section renders real values (members, degradation, documents and vectors,
 * tasks by status and owner, breakers, recovery), that it refreshes itself
 * from /status.json, that a task kind full of HTML stays text, and that it
 * fetches nothing but its own node. Saves a screenshot in the test's temp
 * folder (and /tmp/isthmus-status-page.png, for people to look at).
 */
import { copyFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { NodeProcess } from '../../cli/node-process.ts'
import { silentLogger, systemEnv } from '../../src/env/index.ts'
import { launchBrowser } from '../support/browser.ts'

const clock = systemEnv({ log: silentLogger }).clock
const poll = { timeout: 30_000, interval: 50 }
const hostileKind = '<img/src=x/onerror=window.__pwned=1>'

let browser: Browser
let dir = ''
const running: NodeProcess[] = []

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isthmus-status-page-'))
  ;({ browser } = await launchBrowser())
})

afterAll(async () => {
  await browser?.close()
  await Promise.all(running.splice(0).map((node) => node.kill()))
  if (dir) await rm(dir, { recursive: true, force: true })
})

async function spawn(name: string, peers: string[] = [], metricsPort?: number): Promise<NodeProcess> {
  const node = await NodeProcess.spawn(
    {
      listen: '/ip4/127.0.0.1/tcp/0',
      data: join(dir, name),
      heartbeatMs: 100,
      peers,
      ...(metricsPort === undefined ? {} : { metricsPort }),
    },
    clock,
  )
  running.push(node)
  return node
}

describe('the status page of isthmus node', () => {
  it('renders members, degradation, documents, tasks, breakers and recovery, and refreshes itself', async () => {
    const n1 = await spawn('n1', [], 0)
    const n2 = await spawn('n2', n1.addresses)
    await vi.waitFor(async () => {
      const view = (await n1.command('view')).view as { reachable: string[] }
      expect(view.reachable).toHaveLength(2)
    }, poll)
    for (let i = 0; i < 3; i++) await n1.command(`submit count {"to":3,"stepMs":20,"n":${i}}`)
    await n2.command('submit echo {"hello":"world"}')
    await n1.command(`submit ${hostileKind} {}`)
    await vi.waitFor(async () => {
      const rows = (await n1.command('tasks')).tasks as Array<{ status: string }>
      expect(rows.filter((t) => t.status === 'completed')).toHaveLength(4)
    }, poll)

    const problems: string[] = []
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } })
    const origin = new URL(n1.metricsUrl as string).origin
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`)
    })
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
    page.on('request', (r) => {
      if (!r.url().startsWith(origin)) problems.push(`network request: ${r.url()}`)
    })
    await page.goto(`${origin}/`)
    await page.waitForSelector('#tasks table')

    expect(await page.textContent('#self')).toBe(n1.id)
    expect(await page.textContent('#members')).toContain(n2.id)
    expect(await page.textContent('#members')).toContain('alive')
    expect(await page.textContent('#level')).toBe('full')
    expect(await page.textContent('#documents')).toContain('isthmus:tasks')
    const byStatus = await page.textContent('#byStatus')
    expect(byStatus).toContain('4completed')
    expect(byStatus).toContain('1pending')
    expect(byStatus).toContain('5total')
    const owners = (await page.textContent('#byOwner')) ?? ''
    expect(owners.includes(n1.id) || owners.includes(n2.id)).toBe(true)
    expect(await page.textContent('#breakers')).toMatch(/countclosed/)
    const recovery = (await page.textContent('#recovery')) ?? ''
    for (const label of [
      'takeovers',
      'MTTR p50',
      'MTTR p99',
      'duplicate runs',
      'compensations',
      'lost tasks',
    ])
      expect(recovery).toContain(label)
    expect(recovery).toContain('0lost tasks')

    // Hostile text from a user stays text: no element made of it, nothing ran.
    expect(await page.textContent('#tasks')).toContain(hostileKind)
    expect(await page.$('#tasks img')).toBeNull()
    expect(await page.evaluate('typeof window.__pwned')).toBe('undefined')

    // It refreshes itself: a document written after the page loaded shows up.
    await n2.command('write findings first "a finding"')
    await page.waitForFunction(
      "document.getElementById('documents').textContent.includes('findings')",
      null,
      {
        timeout: poll.timeout,
      },
    )
    const screenshot = join(dir, 'status-page.png')
    await page.screenshot({ path: screenshot, fullPage: true })
    copyFileSync(screenshot, '/tmp/isthmus-status-page.png')
    await page.close()
    expect(problems).toEqual([])

    // The JSON the page reads, and the page's HTTP manners.
    const status = (await (await fetch(`${origin}/status.json`)).json()) as { tasks: { total: number } }
    expect(status.tasks.total).toBe(5)
    expect((await fetch(`${origin}/nope`)).status).toBe(404)
    expect((await fetch(`${origin}/`, { method: 'POST' })).status).toBe(405)
  })
})
