/**
 * The README's resilience example (examples/resilience.ts), run exactly as
 * written in its own Node process, under the simulator's virtual clock. Its
 * `isthmus/resilience` and `isthmus/sim` imports resolve through
 * package.json's exports to dist/; this test points them at the sources
 * instead (and checks the exports entry separately), so it needs no build.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..', '..')
const example = join(root, 'examples', 'resilience.ts')
const run = promisify(execFile)
/** Lines of user code the README may show. */
const exampleCodeLinesMax = 25

const sources: Record<string, string> = {
  'isthmus/resilience': join(root, 'src', 'resilience', 'index.ts'),
  'isthmus/sim': join(root, 'sim', 'index.ts'),
}

describe('the README resilience example', () => {
  it('runs as written on virtual time: two overloaded answers retried, the third returned', async () => {
    let source = await readFile(example, 'utf8')
    for (const [name, path] of Object.entries(sources))
      source = source.replaceAll(`'${name}'`, `'${pathToFileURL(path).href}'`)
    const dir = await mkdtemp(join(tmpdir(), 'isthmus-resilience-'))
    try {
      const file = join(dir, 'resilience.ts')
      await writeFile(file, source)
      const startedMs = performance.now()
      const { stdout, stderr } = await run(process.execPath, [file], { timeout: 60_000 })
      expect(stderr).toBe('')
      const lines = stdout.trim().split('\n')
      expect(lines).toHaveLength(3)
      expect(lines[0]).toMatch(/^attempt 1 failed; retry in \d+ ms$/)
      expect(lines[1]).toMatch(/^attempt 2 failed; retry in \d+ ms$/)
      expect(lines[2]).toBe('summary of the plan')
      // Full jitter: each wait within [0, min(maxMs, baseMs·2^n)].
      expect(Number(lines[0]?.match(/\d+ ms/)?.[0].split(' ')[0])).toBeLessThanOrEqual(200)
      expect(Number(lines[1]?.match(/\d+ ms/)?.[0].split(' ')[0])).toBeLessThanOrEqual(400)
      // 4.5 s of model latency took far less wall time: the clock was virtual.
      expect(performance.now() - startedMs).toBeLessThan(30_000)
      // Same seed, same output.
      const again = await run(process.execPath, [file], { timeout: 60_000 })
      expect(again.stdout).toBe(stdout)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('is exported as isthmus/resilience, and short, importing as DESIGN.md §3 shows', async () => {
    const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
      exports: Record<string, { types: string; default: string }>
    }
    expect(pkg.exports['./resilience']).toEqual({
      types: './dist/src/resilience/index.d.ts',
      default: './dist/src/resilience/index.js',
    })
    const code = (await readFile(example, 'utf8'))
      .replace(/\/\*\*[\s\S]*?\*\//, '')
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.trim().startsWith('//'))
    expect(code.length).toBeLessThanOrEqual(exampleCodeLinesMax)
    expect(code[0]).toBe("import { policy, sleep } from 'isthmus/resilience'")
  })

  it('is the code the README shows under Resilience', async () => {
    const readme = await readFile(join(root, 'README.md'), 'utf8')
    const section = readme.slice(readme.indexOf('## Resilience'))
    const shown = section.slice(section.indexOf('```ts\n') + 6, section.indexOf('\n```\n'))
    const source = await readFile(example, 'utf8')
    expect(source.slice(source.indexOf('import { policy')).trim()).toBe(shown.trim())
  })
})
