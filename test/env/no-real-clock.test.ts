import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

/**
 * DESIGN.md §1: node logic takes time, timers and randomness from the
 * injected Env. Only the system Env may touch the real ones.
 */
const root = join(import.meta.dirname, '..', '..')
const guarded = ['src', 'crdt', 'sim']
/** Files that may touch the real clock, timers or randomness, each with the reason. */
const allowedFiles = new Map([
  ['src/env/system.ts', 'the system Env: the one place real time, timers and randomness come from'],
  [
    'sim/scheduler.ts',
    'settle() waits one setImmediate turn so promise chains in node code finish between virtual events; it reads no time',
  ],
])
const forbidden =
  /\b(Date\.now\(|performance\.now\(|new Date\b|setTimeout\(|setInterval\(|setImmediate\(|Math\.random\(|randomUUID\()/

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
        if (allowedFiles.has(rel)) continue
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
    expect(forbidden.test('const t0 = performance.now()')).toBe(true)
    expect(forbidden.test('const today = new Date()')).toBe(true)
    expect(forbidden.test('new Date')).toBe(true)
    expect(forbidden.test('setImmediate(resolve)')).toBe(true)
    expect(forbidden.test('setInterval(tick, 250)')).toBe(true)
    expect(forbidden.test('const id = crypto.randomUUID()')).toBe(true)
    expect(forbidden.test('Math.random()')).toBe(true)
    expect(forbidden.test('new DateTimeFormat()')).toBe(false)
    expect(forbidden.test('env.clock.now()')).toBe(false)
  })
})
