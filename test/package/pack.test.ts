/**
 * isthmus as a user gets it: `npm pack` (which runs `prepare`, so tsc builds
 * dist/), the tarball installed into an empty folder with a bare package.json,
 * and the README's embedding example (examples/embed.ts) run there. Only
 * `dependencies` are installed, so an entry point that needs a devDependency
 * (vitest) fails here.
 *
 * The project is packed from a copy of its sources in a temp folder, so this
 * test never rebuilds the dist/ that other suites (test/examples/embed.test.ts)
 * read. The install prefers npm's cache (~/.npm, filled by the project's own
 * install), measured at 12 s offline and 28 s when package metadata must be
 * fetched from the registry.
 */
import { type SpawnSyncReturns, spawnSync } from 'node:child_process'
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..', '..')
/** What `npm pack` needs to build: the build config and the shipped folders (tsconfig.build.json). */
const packInputs = [
  'package.json',
  'package-lock.json',
  'README.md',
  'tsconfig.json',
  'tsconfig.build.json',
  'index.ts',
  'src',
  'cli',
  'crdt',
  'store',
  'transport',
  'sim',
]
/** Packing builds with tsc; installing fetches ~90 packages' metadata when the cache lacks it. */
const stepMsMax = 240_000

let work = ''
let app = ''
let tarball = ''

function run(command: string, args: string[], cwd: string): SpawnSyncReturns<string> {
  return spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    timeout: stepMsMax,
    env: { ...process.env, npm_config_update_notifier: 'false' },
  })
}

/** Throws with the command's output unless it exited 0. */
function ok(result: SpawnSyncReturns<string>, what: string): string {
  if (result.status !== 0)
    throw new Error(`${what} exited ${result.status ?? result.signal}:\n${result.stdout}${result.stderr}`)
  return result.stdout
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'isthmus-pack-'))
  const project = join(work, 'project')
  mkdirSync(project)
  for (const path of packInputs) cpSync(join(root, path), join(project, path), { recursive: true })
  symlinkSync(join(root, 'node_modules'), join(project, 'node_modules'))
  const packed = ok(run('npm', ['pack', '--json', '--pack-destination', work], project), 'npm pack')
  tarball = join(
    work,
    (JSON.parse(packed.slice(packed.indexOf('['))) as Array<{ filename: string }>)[0]?.filename ?? '',
  )
  app = join(work, 'app')
  mkdirSync(app)
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }))
  ok(
    run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], app),
    'npm install <tarball>',
  )
}, stepMsMax * 2)

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true })
})

describe('the packed package, installed into an empty project', () => {
  it('installs only dependencies: no vitest, no devDependency', () => {
    expect(existsSync(join(app, 'node_modules', 'isthmus', 'dist', 'index.js'))).toBe(true)
    expect(existsSync(join(app, 'node_modules', 'fast-check'))).toBe(true)
    expect(existsSync(join(app, 'node_modules', 'vitest'))).toBe(false)
    const manifest = JSON.parse(readFileSync(join(app, 'node_modules', 'isthmus', 'package.json'), 'utf8'))
    expect(manifest.peerDependenciesMeta).toEqual({ vitest: { optional: true } })
  })

  it("runs the README's embedding example as written", () => {
    copyFileSync(join(root, 'examples', 'embed.ts'), join(app, 'embed.ts'))
    const example = run(process.execPath, ['embed.ts'], app)
    expect(example.stderr).toBe('')
    expect(example.status).toBe(0)
    expect(example.stdout).toBe("{ goals: { g1: 'ship' } }\n")
  })

  it('imports isthmus/sim and runs a seeded simulation (fast-check is a dependency)', () => {
    const script = [
      "import { Simulation } from 'isthmus/sim'",
      'const sim = await Simulation.create({ seed: 1, nodes: 3 })',
      'console.log(sim.ids.join(" "))',
    ].join('\n')
    const result = run(process.execPath, ['--input-type=module', '-e', script], app)
    expect(result.stderr).toBe('')
    expect(result.stdout).toBe('n1 n2 n3\n')
  })

  it('runs the isthmus command', () => {
    const help = run(join(app, 'node_modules', '.bin', 'isthmus'), ['--help'], app)
    expect(help.status).toBe(0)
    expect(help.stdout).toMatch(/^usage: isthmus <command>/)
  })

  it('needs vitest only for the conformance entries, and names it when missing', () => {
    const result = run(
      process.execPath,
      ['--input-type=module', '-e', "await import('isthmus/store/conformance')"],
      app,
    )
    expect(result.status).not.toBe(0)
    expect(result.stderr).toMatch(/Cannot find (package|module) 'vitest'/)
  })
})

describe('the lock file', () => {
  it('is what npm install computes from package.json (a clean clone leaves it unchanged)', () => {
    const project = join(work, 'project')
    const before = readFileSync(join(project, 'package-lock.json'), 'utf8')
    ok(
      run(
        'npm',
        ['install', '--package-lock-only', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'],
        project,
      ),
      'npm install --package-lock-only',
    )
    expect(readFileSync(join(project, 'package-lock.json'), 'utf8')).toBe(before)
  })
})
