/**
 * The README's scenario file section: its example runs as written, and its
 * table gives the args of every fault the simulator knows.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { FAULT_NAMES } from '../../sim/fault-plan.ts'
import { SCENARIO_FILE_VERSION } from '../../sim/scenario-file.ts'
import { runCli, tempDir, writeJson } from './run-cli.ts'

const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8')
const section = /### The scenario file\n([\s\S]*?)\n## /.exec(readme)?.[1] ?? ''

describe("the README's scenario file section", () => {
  it('has an example that isthmus sim runs as written', async () => {
    const example = JSON.parse(/```json\n([\s\S]*?)```/.exec(section)?.[1] ?? 'null')
    expect(example.version).toBe(SCENARIO_FILE_VERSION)
    const run = await runCli(['sim', '--scenario', writeJson(tempDir(), 'example.json', example)])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('invariants: every one held')
  })

  it('lists the args of every fault', () => {
    const rows = [...section.matchAll(/^\s*\| `(\w+)`\s*\| /gm)].map((m) => m[1])
    expect(rows.sort()).toEqual([...FAULT_NAMES].sort())
  })
})
