/**
 * Option checking: every problem reported at once, in a named error, before
 * anything listens.
 */
import { describe, expect, it } from 'vitest'
import { libp2pTransport } from '../../transport/libp2p.ts'
import { TransportOptionsError, TransportStateError } from '../../transport/libp2p-errors.ts'

describe('libp2p transport options', () => {
  it('lists every problem in one TransportOptionsError', () => {
    let caught: unknown
    try {
      libp2pTransport({
        listen: ['not an address'],
        bootstrap: ['/ip4/1.2.3.4/tcp/x'],
        allow: ['nobody'],
        frameBytesMax: 0,
        reconnect: { baseMs: -1, maxMs: 5 },
      })
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(TransportOptionsError)
    const error = caught as TransportOptionsError
    expect(error.name).toBe('TransportOptionsError')
    expect(error.problems).toHaveLength(5)
    expect(error.problems.join('\n')).toMatch(
      /listen\[0\].*\n.*bootstrap\[0\].*\n.*allow\[0\].*\n.*frameBytesMax.*\n.*baseMs/,
    )
  })

  it('wants at least one listen address and maxMs no smaller than baseMs', () => {
    expect(() => libp2pTransport({ listen: [] })).toThrow(/listen: give at least one/)
    expect(() =>
      libp2pTransport({ listen: ['/ip4/127.0.0.1/tcp/0'], reconnect: { baseMs: 500, maxMs: 100 } }),
    ).toThrow(/maxMs/)
  })

  it('is inert until started: no id, no addresses, sends refused, dial rejected', async () => {
    const transport = libp2pTransport({ listen: ['/ip4/127.0.0.1/tcp/0'] })
    expect(transport.connected()).toEqual([])
    expect(transport.addresses()).toEqual([])
    expect(transport.send('anyone', new Uint8Array(1))).toBe(false)
    await expect(transport.dial('/ip4/127.0.0.1/tcp/1')).rejects.toBeInstanceOf(TransportStateError)
    await transport.stop()
  })
})
