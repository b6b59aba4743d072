/**
 * Fallback chains: each fallback gets the error before it, the first that
 * succeeds answers, FallbackExhaustedError holds every error, and a call the
 * caller aborted is not replaced.
 */
import { describe, expect, it } from 'vitest'
import { FallbackExhaustedError, FallbackPolicy } from '../../src/resilience/index.ts'
import { recorder } from './recorder.ts'

const failing = (message: string) => async () => {
  throw new Error(message)
}

describe('fallback', () => {
  it('primary: a success is returned as is, no fallback runs', async () => {
    const events = recorder()
    const policy = new FallbackPolicy(() => 'cached', events)
    expect(await policy.execute(async () => 'fresh')).toBe('fresh')
    expect(events.names()).toEqual([])
  })

  it('falling: tries the chain in order, each with the error before it, until one answers', async () => {
    const events = recorder()
    const seen: string[] = []
    const policy = new FallbackPolicy(
      [
        (e) => {
          seen.push((e as Error).message)
          throw new Error('cache miss')
        },
        (e) => {
          seen.push((e as Error).message)
          return 'smaller model'
        },
        () => 'never reached',
      ],
      events,
    )
    expect(await policy.execute(failing('503'))).toBe('smaller model')
    expect(seen).toEqual(['503', 'cache miss'])
    expect(events.events).toMatchObject([
      { name: 'fallback', event: { index: 0 } },
      { name: 'fallback', event: { index: 1 } },
    ])
  })

  it('exhausted: FallbackExhaustedError carries the original error and each fallback’s', async () => {
    const policy = new FallbackPolicy([failing('f1'), failing('f2')])
    const error = (await policy
      .execute(failing('primary'))
      .catch((e: unknown) => e)) as FallbackExhaustedError
    expect(error).toBeInstanceOf(FallbackExhaustedError)
    expect(error.name).toBe('FallbackExhaustedError')
    expect(error.errors.map((e) => (e as Error).message)).toEqual(['primary', 'f1', 'f2'])
    expect((error.cause as Error).message).toBe('f2')
  })

  it('a synchronous throw from the call or a fallback is handled like a rejection', async () => {
    const policy = new FallbackPolicy([
      () => {
        throw new Error('sync fallback')
      },
      () => 'ok',
    ])
    expect(
      await policy.execute(() => {
        throw new Error('sync primary')
      }),
    ).toBe('ok')
  })

  it('a call the caller aborted passes its error through unreplaced', async () => {
    const caller = new AbortController()
    caller.abort()
    const policy = new FallbackPolicy(() => 'cached')
    await expect(policy.execute(failing('aborted'), caller.signal)).rejects.toThrow('aborted')
  })

  it('needs at least one handler', () => {
    expect(() => new FallbackPolicy([])).toThrow(RangeError)
  })
})
