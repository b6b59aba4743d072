/**
 * The allowlist gater: a peer not on `allow` cannot connect in either
 * direction, by dial address with or without its peer id; listed peers can.
 */
import { describe, expect, it } from 'vitest'
import { DialError } from '../../transport/libp2p-errors.ts'
import { count, peersStoppedAfterEach, sleep, stopAll, waitUntil } from './harness.ts'

const peer = peersStoppedAfterEach()

/** The address without its `/p2p/<id>` part: the dialer learns who answered only after the handshake. */
function withoutPeerId(address: string): string {
  return address.replace(/\/p2p\/[^/]+$/, '')
}

describe('libp2p transport allowlist', () => {
  it('lets a listed peer in, in both directions', async () => {
    const friend = await peer()
    const guarded = await peer({ allow: [friend.id] })
    expect(await guarded.transport.dial(friend.address)).toBe(friend.id)
    await waitUntil('friend sees guarded', () => friend.transport.connected().includes(guarded.id))
    await stopAll(friend)
    await waitUntil('friend gone', () => count(guarded, 'disconnect', friend.id) === 1)
    const friendAgain = await peer({}, friend.identity)
    expect(await friendAgain.transport.dial(guarded.address)).toBe(guarded.id)
  })

  it('keeps an unlisted peer out when it dials in', async () => {
    const friend = await peer()
    const stranger = await peer()
    const guarded = await peer({ allow: [friend.id] })
    await expect(stranger.transport.dial(guarded.address)).rejects.toBeInstanceOf(DialError)
    await expect(stranger.transport.dial(withoutPeerId(guarded.address))).rejects.toBeInstanceOf(DialError)
    await sleep(200)
    expect(guarded.transport.connected()).toEqual([])
    expect(stranger.transport.connected()).toEqual([])
    expect(count(guarded, 'connect', stranger.id)).toBe(0)
    expect(count(stranger, 'connect', guarded.id)).toBe(0)
  })

  it('keeps an unlisted peer out when we dial it, whether or not the address names it', async () => {
    const friend = await peer()
    const stranger = await peer()
    const guarded = await peer({ allow: [friend.id] })
    await expect(guarded.transport.dial(stranger.address)).rejects.toThrow(/not on the allowlist/)
    await expect(guarded.transport.dial(withoutPeerId(stranger.address))).rejects.toBeInstanceOf(DialError)
    await sleep(200)
    expect(guarded.transport.connected()).toEqual([])
    expect(stranger.transport.connected()).toEqual([])
    expect(count(stranger, 'connect', guarded.id)).toBe(0)
  })

  it('does not let an unlisted bootstrap peer in either', async () => {
    const stranger = await peer()
    const friend = await peer()
    const guarded = await peer({
      allow: [friend.id],
      bootstrap: [withoutPeerId(stranger.address), friend.address],
    })
    await waitUntil('friend connected', () => guarded.transport.connected().includes(friend.id))
    await sleep(300)
    expect(guarded.transport.connected()).toEqual([friend.id])
    expect(count(stranger, 'connect', guarded.id)).toBe(0)
  })
})
