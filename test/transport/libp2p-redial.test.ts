/**
 * Bootstrap redial scheduling on a hand-driven clock: exponential backoff
 * with jitter from the Env's Random, reset on success, silence after stop.
 */
import { describe, expect, it } from 'vitest'
import { seededRandom, silentLogger } from '../../src/env/index.ts'
import type { Clock, Random, Timer } from '../../src/env/types.ts'
import { backoffDelayMs, Redialer } from '../../transport/libp2p-reconnect.ts'

/** A clock that moves only when told, firing due timers in order. */
function manualClock(): Clock & { advance(ms: number): void; pending(): number } {
  let nowMs = 0
  let timers: Array<{ atMs: number; fn: () => void; live: boolean }> = []
  return {
    now: () => nowMs,
    setTimer(ms, fn): Timer {
      const timer = { atMs: nowMs + ms, fn, live: true }
      timers.push(timer)
      return {
        cancel: () => {
          timer.live = false
        },
      }
    },
    advance(ms) {
      const endMs = nowMs + ms
      for (;;) {
        const due = timers.filter((t) => t.live && t.atMs <= endMs).sort((x, y) => x.atMs - y.atMs)[0]
        if (due === undefined) break
        nowMs = due.atMs
        due.live = false
        due.fn()
      }
      timers = timers.filter((t) => t.live)
      nowMs = endMs
    },
    pending: () => timers.filter((t) => t.live).length,
  }
}

const fixed = (value: number): Random => ({
  next: () => value,
  bytes: (n) => new Uint8Array(n),
  fork: () => fixed(value),
})
const flush = () => new Promise((resolve) => setTimeout(resolve, 0))

describe('bootstrap redial backoff', () => {
  it('doubles from baseMs to maxMs, half fixed and half jitter', () => {
    const policy = { baseMs: 100, maxMs: 1000 }
    expect([0, 1, 2, 3, 4, 10, 5000].map((n) => backoffDelayMs(n, policy, fixed(0)))).toEqual([
      50, 100, 200, 400, 500, 500, 500,
    ])
    expect(backoffDelayMs(2, policy, fixed(0.999_999))).toBeCloseTo(400, 2)
    const random = seededRandom(1)
    for (let attempt = 0; attempt < 50; attempt++) {
      const ms = backoffDelayMs(attempt, policy, random)
      const ceiling = Math.min(1000, 100 * 2 ** attempt)
      expect(ms).toBeGreaterThanOrEqual(ceiling / 2)
      expect(ms).toBeLessThan(ceiling)
    }
  })

  it('redials a failing address with growing waits, resets on success, and stops cleanly', async () => {
    const clock = manualClock()
    const dialsAtMs: number[] = []
    let reachable = false
    let connected = false
    const redialer = new Redialer({
      clock,
      random: fixed(0),
      log: silentLogger,
      policy: { baseMs: 100, maxMs: 1000 },
      dial: async () => {
        dialsAtMs.push(clock.now())
        if (!reachable) throw new Error('refused')
        connected = true
        return 'peer-a'
      },
      isConnected: () => connected,
    })
    redialer.keep('/ip4/127.0.0.1/tcp/1/p2p/peer-a', 'peer-a')
    for (let i = 0; i < 6; i++) {
      await flush()
      clock.advance(1000)
    }
    // Each failure is seen at a step boundary (0, 50, 1000, 2000, 3000), then the wait is
    // half the doubling ceiling (jitter fixed at 0): 50, 100, 200, 400.
    expect(dialsAtMs.slice(0, 5)).toEqual([0, 50, 1100, 2200, 3400])
    reachable = true
    await flush()
    clock.advance(1000)
    await flush()
    expect(connected).toBe(true)
    const dials = dialsAtMs.length
    connected = false
    redialer.peerDown('peer-a')
    clock.advance(50)
    await flush()
    expect(dialsAtMs.length).toBe(dials + 1)
    redialer.peerDown('peer-a')
    redialer.stop()
    expect(clock.pending()).toBe(0)
    clock.advance(10_000)
    await flush()
    expect(dialsAtMs.length).toBe(dials + 1)
  })
})
