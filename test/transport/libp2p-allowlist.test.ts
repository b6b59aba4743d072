/**
 * The allowlist gater: a peer not on `allow` cannot connect in either
 * direction, by dial address with or without its peer id; listed peers can.
 */
import { describe, expect, it, vi } from 'vitest'
import { sinkLogger, systemEnv } from '../../src/env/index.ts'
import { DialError } from '../../transport/libp2p-errors.ts'
import { count, type Peer, peersStoppedAfterEach, stopAll } from './harness.ts'

const peer = peersStoppedAfterEach()

/**
 * A barrier for absence checks: `friend` (listed) dials `guarded` and `other`
 * and both see it connected. Refused dials settled before this; a connection
 * that slipped through them would have been reported before the friend's.
 */
async function connectedAfter(friend: Peer, guarded: Peer, other: Peer): Promise<void> {
  expect(await friend.transport.dial(guarded.address)).toBe(guarded.id)
  expect(await friend.transport.dial(other.address)).toBe(other.id)
  await vi.waitFor(
    () => {
      expect(guarded.transport.connected()).toContain(friend.id)
      expect(other.transport.connected()).toContain(friend.id)
    },
    { timeout: 10_000, interval: 10 },
  )
}

/** The address without its `/p2p/<id>` part: the dialer learns who answered only after the handshake. */
function withoutPeerId(address: string): string {
  return address.replace(/\/p2p\/[^/]+$/, '')
}

describe('libp2p transport allowlist', () => {
  it('lets a listed peer in, in both directions', async () => {
    const friend = await peer()
    const guarded = await peer({ allow: [friend.id] })
    expect(await guarded.transport.dial(friend.address)).toBe(friend.id)
    await vi.waitFor(
      () => expect(friend.transport.connected().includes(guarded.id), 'friend sees guarded').toBe(true),
      { timeout: 10_000, interval: 10 },
    )
    await stopAll(friend)
    await vi.waitFor(() => expect(count(guarded, 'disconnect', friend.id) === 1, 'friend gone').toBe(true), {
      timeout: 10_000,
      interval: 10,
    })
    const friendAgain = await peer({}, friend.identity)
    expect(await friendAgain.transport.dial(guarded.address)).toBe(guarded.id)
  })

  it('keeps an unlisted peer out when it dials in', async () => {
    const friend = await peer()
    const stranger = await peer()
    const guarded = await peer({ allow: [friend.id] })
    await expect(stranger.transport.dial(guarded.address)).rejects.toBeInstanceOf(DialError)
    await expect(stranger.transport.dial(withoutPeerId(guarded.address))).rejects.toBeInstanceOf(DialError)
    await connectedAfter(friend, guarded, stranger)
    expect(guarded.transport.connected()).toEqual([friend.id])
    expect(stranger.transport.connected()).toEqual([friend.id])
    expect(count(guarded, 'connect', stranger.id)).toBe(0)
    expect(count(stranger, 'connect', guarded.id)).toBe(0)
  })

  it('keeps an unlisted peer out when we dial it, whether or not the address names it', async () => {
    const friend = await peer()
    const stranger = await peer()
    const guarded = await peer({ allow: [friend.id] })
    await expect(guarded.transport.dial(stranger.address)).rejects.toThrow(/not on the allowlist/)
    await expect(guarded.transport.dial(withoutPeerId(stranger.address))).rejects.toBeInstanceOf(DialError)
    await connectedAfter(friend, guarded, stranger)
    expect(guarded.transport.connected()).toEqual([friend.id])
    expect(stranger.transport.connected()).toEqual([friend.id])
    expect(count(stranger, 'connect', guarded.id)).toBe(0)
  })

  it('does not let an unlisted bootstrap peer in either', async () => {
    const stranger = await peer()
    const friend = await peer()
    const failedDials: unknown[] = []
    const env = systemEnv({
      log: sinkLogger((entry) => {
        if (entry.msg === 'bootstrap dial failed') failedDials.push(entry.fields.address)
      }, 'debug'),
    })
    const strangerAddress = withoutPeerId(stranger.address)
    const guarded = await peer(
      { allow: [friend.id], bootstrap: [strangerAddress, friend.address] },
      undefined,
      env,
    )
    // Both bootstrap dials have run: the friend's connected, the stranger's was refused.
    await vi.waitFor(
      () => {
        expect(guarded.transport.connected()).toContain(friend.id)
        expect(failedDials).toContain(strangerAddress)
      },
      { timeout: 10_000, interval: 10 },
    )
    expect(guarded.transport.connected()).toEqual([friend.id])
    expect(count(stranger, 'connect', guarded.id)).toBe(0)
  })
})
