/**
 * A long single seed (`isthmus sim --nodes 200` ran 77 s in silence) says it
 * is still running; a short one prints nothing. Time is vitest's fake clock,
 * so nothing here waits.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { type ProgressStream, SeedProgress } from '../../cli/progress.ts'

function stream(isTTY: boolean): ProgressStream & { text: string } {
  const out = {
    text: '',
    isTTY,
    write(text: string) {
      out.text += text
      return true
    },
  }
  return out
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'performance'] })
})
afterEach(() => {
  vi.useRealTimers()
})

describe('SeedProgress', () => {
  it('prints nothing for a seed done within the first interval', () => {
    const log = stream(false)
    const progress = new SeedProgress(log, 'isthmus sim partition-heal: seed 7')
    vi.advanceTimersByTime(9_999)
    progress.finish()
    vi.advanceTimersByTime(60_000)
    expect(log.text).toBe('')
  })

  it('writes a plain line every 10 s to a log, and stops when the seed is done', () => {
    const log = stream(false)
    const progress = new SeedProgress(log, 'isthmus sim crash-restart: seed 1')
    vi.advanceTimersByTime(25_000)
    expect(log.text).toBe(
      'isthmus sim crash-restart: seed 1: still running, 10 s\nisthmus sim crash-restart: seed 1: still running, 20 s\n',
    )
    progress.finish()
    vi.advanceTimersByTime(60_000)
    expect(log.text.split('\n')).toHaveLength(3)
  })

  it('redraws one line in place on a terminal, and clears it at the end', () => {
    const terminal = stream(true)
    const progress = new SeedProgress(terminal, 'isthmus sim x: seed 2')
    vi.advanceTimersByTime(2_000)
    expect(terminal.text).toBe(
      '\r\x1b[Kisthmus sim x: seed 2: still running, 1 s\r\x1b[Kisthmus sim x: seed 2: still running, 2 s',
    )
    progress.finish()
    expect(terminal.text.endsWith('\r\x1b[K')).toBe(true)
    expect(terminal.text).not.toContain('\n')
  })
})
