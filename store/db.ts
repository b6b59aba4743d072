/**
 * The few things the store needs from abstract-level, in one place: the
 * database type it runs on, opening with named errors, and batch writes with
 * the durability option.
 */
import type { AbstractBatchOptions, AbstractLevel } from 'abstract-level'
import { StoreLockedError } from './errors.ts'
import type { BatchOp } from './group-commit.ts'

/**
 * The database a store runs on: created with `keyEncoding: 'utf8'` and
 * `valueEncoding: 'view'` (string keys, Uint8Array values).
 */
export type StoreDb = AbstractLevel<string | Buffer | Uint8Array, string, Uint8Array>

/** classic-level's batch takes `sync`; other backends ignore options they do not know. */
type WriteOptions = AbstractBatchOptions<string, Uint8Array> & { sync: boolean }

/**
 * Writes `ops` as one atomic batch. With `sync: true` LevelDB fsyncs its log
 * before the promise resolves.
 */
export function writeBatch(db: StoreDb, ops: BatchOp[], sync: boolean): Promise<void> {
  const options: WriteOptions = { sync }
  return db.batch(ops, options)
}

/** Opens `db`, turning a lock held elsewhere into `StoreLockedError`. */
export async function openDb(db: StoreDb): Promise<void> {
  const keyEncoding = db.keyEncoding().commonName
  const valueEncoding = db.valueEncoding().commonName
  if (keyEncoding !== 'utf8' || valueEncoding !== 'view') {
    throw new TypeError(
      `the store's database needs keyEncoding 'utf8' and valueEncoding 'view', not ${keyEncoding}/${valueEncoding}`,
    )
  }
  try {
    await db.open()
  } catch (err) {
    if (
      levelErrorCode(err) === 'LEVEL_DATABASE_NOT_OPEN' &&
      levelErrorCode(causeOf(err)) === 'LEVEL_LOCKED'
    ) {
      throw new StoreLockedError('the store is locked by another process or another open store', {
        cause: err,
      })
    }
    throw err
  }
}

function levelErrorCode(err: unknown): unknown {
  return typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined
}

function causeOf(err: unknown): unknown {
  return err instanceof Error ? err.cause : undefined
}
