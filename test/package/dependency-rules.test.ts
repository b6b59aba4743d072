/**
 * The dependency rules of DESIGN.md §1 (.dependency-cruiser.cjs, run by
 * `npm run lint`): they hold on the tree, each one fails on a wrong import in a
 * small fixture tree, and dependency-cruiser's reading of the TypeScript files
 * (as JavaScript, with acorn's error-tolerant parser: see the config) finds
 * every import that crosses folders, so no rule passes because an import went
 * unseen.
 */
import { spawnSync } from 'node:child_process'
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, posix } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..', '..')
const config = join(root, '.dependency-cruiser.cjs')
const depcruise = join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruiser.mjs')
const temps: string[] = []

interface Violation {
  from: string
  to: string
  rule: { name: string }
}
interface Cruise {
  modules: Array<{ source: string; dependencies: Array<{ module: string }> }>
  summary: { violations: Violation[] }
}

/** Every .ts file under `dir`, relative to it, skipping installed and built code. */
function tsFiles(dir: string, under = ''): string[] {
  const out: string[] = []
  for (const entry of readdirSync(join(dir, under), { withFileTypes: true })) {
    const path = under === '' ? entry.name : `${under}/${entry.name}`
    if (entry.isDirectory()) {
      if (!['node_modules', 'dist', '.isthmus', '.git'].includes(entry.name)) out.push(...tsFiles(dir, path))
    } else if (entry.name.endsWith('.ts')) out.push(path)
  }
  return out.sort()
}

/** Runs dependency-cruiser with the project's rules over every .ts file under `cwd`. */
function cruise(cwd: string): Cruise {
  const run = spawnSync(
    process.execPath,
    [depcruise, '--config', config, '--output-type', 'json', ...tsFiles(cwd)],
    { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  )
  if (run.stdout === '') throw new Error(`depcruise exited ${run.status}: ${run.stderr}`)
  return JSON.parse(run.stdout) as Cruise
}

/** The project folder a path is in ('index.ts' for the entry file at the top). */
function folder(path: string): string {
  return path.includes('/') ? path.slice(0, path.indexOf('/')) : path
}

afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true })
})

describe('the dependency rules (DESIGN.md §1)', () => {
  it('hold on the tree, and every import across folders is seen', () => {
    const result = cruise(root)
    expect(result.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`)).toEqual([])
    const seen = new Set(result.modules.flatMap((m) => m.dependencies.map((d) => `${m.source} ${d.module}`)))
    const unseen: string[] = []
    for (const file of tsFiles(root)) {
      const source = readFileSync(join(root, file), 'utf8')
      for (const match of source.matchAll(/^\s*(?:import|export)\s[^;]*?\sfrom\s+'(\.[^']+)'/gm)) {
        const specifier = match[1] as string
        const target = posix.normalize(posix.join(posix.dirname(file), specifier))
        if (folder(target) !== folder(file) && !seen.has(`${file} ${specifier}`))
          unseen.push(`${file} → ${specifier}`)
      }
    }
    expect(unseen).toEqual([])
  })

  it('each fail on a wrong import, and allow what DESIGN.md allows', () => {
    const dir = mkdtempSync(join(tmpdir(), 'isthmus-deps-'))
    temps.push(dir)
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'))
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ type: 'module', dependencies: { libp2p: '*' }, devDependencies: { vitest: '*' } }),
    )
    const files: Record<string, string> = {
      // wrong
      'src/net.ts': "import { createLibp2p } from 'libp2p'",
      'src/up.ts': "import { x } from '../sim/x.ts'",
      'src/impl.ts': "import { levelStore } from '../store/classic-level-store.ts'",
      'src/cli/app.ts': "import { app } from '../../cli/app.ts'",
      'src/env/leaf.ts': "import { y } from '../node/y.ts'",
      'crdt/reach.ts': "import { y } from '../src/node/y.ts'",
      'sim/real.ts': "import { libp2pTransport } from '../transport/libp2p.ts'",
      'store/index.ts': "export { runStoreConformance } from './conformance.ts'",
      'src/cycle-a.ts': "import { b } from './cycle-b.ts'\nexport const a = 1",
      'src/cycle-b.ts': "import { a } from './cycle-a.ts'\nexport const b = 1",
      'src/dev.ts': "import { it } from 'vitest'",
      // allowed
      'src/ok.ts': "import type { Store } from '../store/store.ts'\nimport { z } from '../crdt/z.ts'",
      'src/node/y.ts': "import { clock } from '../env/clock.ts'\nexport const y = 1",
      'src/env/clock.ts': 'export const clock = 1',
      'cli/app.ts':
        "import { x } from '../sim/x.ts'\nimport { levelStore } from '../store/classic-level-store.ts'\nimport 'libp2p'\nexport const app = 1",
      'sim/x.ts':
        "import { memoryStore } from '../store/memory-store.ts'\nimport type { T } from '../transport/transport.ts'",
      'crdt/z.ts': "import { clock } from '../src/env/clock.ts'",
      'store/conformance.ts': "import { it } from 'vitest'",
      'store/store.ts': 'export const s = 1',
      'store/classic-level-store.ts': 'export const levelStore = 1',
      'store/memory-store.ts': 'export const memoryStore = 1',
      'transport/transport.ts': 'export const t = 1',
      'transport/libp2p.ts': "import 'libp2p'",
      'index.ts': "import { levelStore } from './store/classic-level-store.ts'\nexport * from './src/ok.ts'",
    }
    for (const [path, source] of Object.entries(files)) {
      mkdirSync(join(dir, dirname(path)), { recursive: true })
      writeFileSync(join(dir, path), `${source}\n`)
    }
    const found = cruise(dir)
      // A cycle is reported once, from whichever of its modules comes first.
      .summary.violations.map((v) => `${v.rule.name}: ${v.from.replace(/cycle-[ab]/, 'cycle-*')}`)
      .sort()
    expect([...new Set(found)]).toEqual(
      [
        'conformance-suites-only-from-tests: store/index.ts',
        'env-is-a-leaf: src/env/leaf.ts',
        'libraries-import-only-env: crdt/reach.ts',
        'no-circular: src/cycle-*.ts',
        'shipped-code-no-dev-dependencies: src/dev.ts',
        'sim-not-cli-or-real-adapters: sim/real.ts',
        'src-no-network-or-disk: src/net.ts',
        'src-not-sim-or-cli: src/up.ts',
        'src-not-sim-or-cli: src/cli/app.ts',
        'nothing-imports-the-cli: src/cli/app.ts',
        'src-store-transport-interfaces-only: src/impl.ts',
      ].sort(),
    )
  })
})
