/**
 * The package entry's createNode with nothing given: the data goes to
 * ./.isthmus/<name> under the working directory (name 'default' unless set),
 * and the node listens with libp2p on 127.0.0.1, on a free port.
 */
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNode, NodeOptionsError } from '../../index.ts'

let cwd = ''
const startCwd = process.cwd()

beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'isthmus-defaults-'))
  // Suites run in forked processes (vitest.config.ts), so changing this one's directory is private to it.
  process.chdir(cwd)
})

afterAll(async () => {
  process.chdir(startCwd)
  if (cwd) await rm(cwd, { recursive: true, force: true })
})

describe('createNode() from the package entry', () => {
  it('keeps its data in ./.isthmus/default and listens on 127.0.0.1, on a free port', async () => {
    const node = await createNode()
    await node.start()
    const addresses = node.addresses()
    const id = node.id
    await node.stop()
    expect(existsSync(join(cwd, '.isthmus', 'default', 'CURRENT'))).toBe(true)
    expect(addresses.length).toBeGreaterThan(0)
    for (const address of addresses) {
      const port = Number(/^\/ip4\/127\.0\.0\.1\/tcp\/(\d+)\//.exec(address)?.[1])
      expect(port, address).toBeGreaterThan(0)
    }
    // The id lives in the default store, so the same folder gives the same node.
    const again = await createNode()
    await again.start()
    expect(again.id).toBe(id)
    await again.stop()
  })

  it('names its folder after the name option, and two names are two nodes', async () => {
    const a = await createNode({ name: 'a' })
    const b = await createNode({ name: 'b' })
    await Promise.all([a.start(), b.start()])
    expect(a.id).not.toBe(b.id)
    expect(a.addresses()).not.toEqual(b.addresses())
    await Promise.all([a.stop(), b.stop()])
    for (const name of ['a', 'b']) expect(existsSync(join(cwd, '.isthmus', name, 'CURRENT'))).toBe(true)
  })

  it('refuses a name that is not a plain folder name, before making anything', async () => {
    for (const name of ['..', '.', 'x/y', '']) {
      await expect(createNode({ name })).rejects.toThrow(NodeOptionsError)
    }
    await expect(createNode({ name: '..' })).rejects.toThrow(/name must be a folder name/)
    expect(existsSync(join(cwd, '.isthmus', 'x'))).toBe(false)
  })
})
