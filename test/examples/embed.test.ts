/**
 * The README's embedding example (examples/embed.ts), run exactly as
 * written, in its own Node process. It imports 'isthmus', 'isthmus/transport'
 * and 'isthmus/store' by package name: Node resolves that through
 * package.json's `exports` (a package may import itself by name), which point
 * at dist/, so the test builds dist first, as `npm run build` does.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..', '..')
const example = join(root, 'examples', 'embed.ts')
/** Lines of user code the README may show: an example is read, not studied. */
const exampleCodeLinesMax = 20
/** Building takes about a second; the example connects two nodes, writes and stops them in two or three. */
const processMsMax = 45_000

const entries = {
  isthmus: 'dist/index.js',
  'isthmus/transport': 'dist/transport/index.js',
  'isthmus/store': 'dist/store/index.js',
}

let cwd = ''
let build: { status: number | null; output: string } = { status: null, output: '' }

beforeAll(async () => {
  const tsc = spawnSync(
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: root,
      encoding: 'utf8',
      timeout: processMsMax,
    },
  )
  build = { status: tsc.status, output: `${tsc.stdout}${tsc.stderr}` }
  // A failed build fails the suite: tsc still emits what it can, and running a stale or
  // half-built dist/ would test something other than the sources.
  if (build.status !== 0)
    throw new Error(`tsc -p tsconfig.build.json exited ${build.status}:\n${build.output}`)
  cwd = await mkdtemp(join(tmpdir(), 'isthmus-embed-'))
})

afterAll(async () => {
  if (cwd) await rm(cwd, { recursive: true, force: true })
})

describe('the README embedding example', () => {
  it('builds dist, which package.json exports resolve to', () => {
    expect(build.status).toBe(0)
    const probe = Object.keys(entries)
      .map((name) => `console.log(import.meta.resolve(${JSON.stringify(name)}))`)
      .join(';')
    const resolved = spawnSync(process.execPath, ['--input-type=module', '-e', probe], {
      cwd: root,
      encoding: 'utf8',
    })
    expect(resolved.stderr).toBe('')
    expect(resolved.stdout.trim().split('\n')).toEqual(
      Object.values(entries).map((path) => pathToFileURL(join(root, path)).href),
    )
    for (const path of Object.values(entries)) expect(existsSync(join(root, path))).toBe(true)
  })

  it('runs as written and prints the document as the second node holds it', () => {
    const run = spawnSync(process.execPath, [example], { cwd, encoding: 'utf8', timeout: processMsMax })
    expect(run.stderr).toBe('')
    expect(run.status).toBe(0)
    expect(run.stdout).toBe("{ goals: { g1: 'ship' } }\n")
    // Each node kept its document in its own LevelDB folder, relative to where the program ran.
    for (const name of ['a', 'b']) expect(existsSync(join(cwd, 'data', name, 'CURRENT'))).toBe(true)
  })

  it(`is at most ${exampleCodeLinesMax} lines of user code, importing as DESIGN.md §3 shows`, () => {
    const source = readFileSync(example, 'utf8')
    const code = source
      .replace(/\/\*\*[\s\S]*?\*\//, '')
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.trim().startsWith('//'))
    expect(code.length).toBeLessThanOrEqual(exampleCodeLinesMax)
    expect(code.slice(0, 3)).toEqual([
      "import { createNode } from 'isthmus'",
      "import { libp2pTransport } from 'isthmus/transport'",
      "import { levelStore } from 'isthmus/store'",
    ])
  })
})
