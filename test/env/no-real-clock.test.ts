import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

/**
 * DESIGN.md §1: node logic takes time, timers and randomness from the
 * injected Env. Only the system Env may touch the real ones.
 */
const root = join(import.meta.dirname, '..', '..')
const guarded = ['src', 'crdt', 'sim']
const allowed = new Set(['src/env/system.ts'])
const forbidden = /\b(Date\.now\(|setTimeout\(|setInterval\(|Math\.random\(|randomUUID\()/

function sourceFiles(dir: string): string[] {
  let out: string[] = []
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return out
  }
  for (const name of names) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) out = out.concat(sourceFiles(path))
    else if (/\.(ts|js|mjs)$/.test(name)) out.push(path)
  }
  return out
}

describe('one code path', () => {
  it('has no real clock, timer or randomness in src/, crdt/ or sim/ outside the system Env', () => {
    const offenders: string[] = []
    for (const top of guarded) {
      for (const file of sourceFiles(join(root, top))) {
        const rel = relative(root, file)
        if (allowed.has(rel)) continue
        readFileSync(file, 'utf8')
          .split('\n')
          .forEach((line, i) => {
            if (forbidden.test(line)) offenders.push(`${rel}:${i + 1}: ${line.trim()}`)
          })
      }
    }
    expect(offenders).toEqual([])
  })

  it('would catch an offender', () => {
    expect(forbidden.test('const t = Date.now()')).toBe(true)
    expect(forbidden.test('setTimeout(fn, 5)')).toBe(true)
    expect(forbidden.test('env.clock.now()')).toBe(false)
  })
})
