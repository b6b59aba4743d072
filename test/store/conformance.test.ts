import { join } from 'node:path'
import { runStoreConformance } from '../../store/conformance.ts'
import { levelStore, memoryLevel, memoryStore, type Store } from '../../store/index.ts'
import { makeTempDir, removeTempDir } from './temp-dir.ts'

runStoreConformance('levelStore', async () => {
  const dir = await makeTempDir('conformance')
  const path = join(dir, 'store')
  let current: Store = levelStore({ path })
  return {
    store: current,
    async reopen() {
      await current.close()
      current = levelStore({ path })
      return current
    },
    async cleanup() {
      await current.close()
      await removeTempDir(dir)
    },
  }
})

runStoreConformance('memoryStore', async () => {
  const db = memoryLevel()
  let current: Store = memoryStore({ db })
  return {
    store: current,
    async reopen() {
      await current.close()
      current = memoryStore({ db })
      return current
    },
    async cleanup() {
      await current.close()
    },
  }
})
