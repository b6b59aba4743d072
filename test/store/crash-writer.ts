/**
 * Child process of crash.test.ts (and the lock test): opens a levelStore at
 * argv[2] and appends to document "crash" until it is killed, eight appends
 * per tick, compacting whenever the store says so (argv[3] = compactCount).
 * It prints one line per event, only after the event's promise resolved:
 *
 *   ready                 the store is open
 *   ack <seq>             append <seq> is acknowledged
 *   compacting <n>        a compaction covering seqs 1..n was issued (not yet done)
 *   compacted <n>         that compaction is acknowledged
 *
 * The snapshot is checkable: its bytes say "through <n>" plus padding, so the
 * parent knows which seqs it replaced. Run with Node 24 (type stripping).
 */
import { levelStore } from '../../store/classic-level-store.ts'

const APPENDS_PER_TICK = 8
/** Padding in each snapshot, so a compaction batch takes long enough to be killed in the middle of. */
const SNAPSHOT_PADDING_BYTES = 256 * 1024

const [path, compactCountText = '4'] = process.argv.slice(2)
if (!path) throw new Error('usage: crash-writer.ts <path> [compactCount]')
const encoder = new TextEncoder()
const store = levelStore({ path, compactCount: Number(compactCountText) })
await store.open()
process.stdout.write('ready\n')

let lastSeq = 0
let compacting = false
for (;;) {
  const appends = Array.from({ length: APPENDS_PER_TICK }, () => {
    const seq = ++lastSeq
    const entry = { dot: { origin: 'writer', seq }, update: encoder.encode(`update ${seq}`) }
    return store.append('crash', 'test', entry).then((result) => {
      process.stdout.write(`ack ${seq}\n`)
      return result
    })
  })
  const results = await Promise.all(appends)
  if (results.some((r) => r.compactionDue) && !compacting) {
    // Not awaited: appends go on while the compaction is in flight.
    compacting = true
    const through = lastSeq
    const snapshot = new Uint8Array(SNAPSHOT_PADDING_BYTES)
    snapshot.set(encoder.encode(`through ${through}\n`))
    process.stdout.write(`compacting ${through}\n`)
    void store.compact('crash', snapshot, { writer: through }).then(() => {
      compacting = false
      process.stdout.write(`compacted ${through}\n`)
    })
  }
}
