/**
 * One recovery measurement in a fresh process, so peak RSS is this
 * recovery's alone. Spawned by restart-recovery.ts with one JSON argument
 * (a RecoveryJob); prints one JSON line (a RecoveryMeasurement).
 *
 * Module loading happens before the clock starts, for the floor and for
 * isthmus alike; the floor loads only its own library, as a raw Yjs or
 * Automerge program would.
 */
import { readFileSync } from 'node:fs'

/**
 * - `floor`: raw Y.applyUpdate / Automerge.load of the final state's bytes in `path`;
 * - `isthmus`: the store folder at `path`, recovered as the node does it
 *   (src/docs/doc-registry.ts: backend from the snapshot, then the tail in one
 *   `applyUpdatesIsolating`);
 * - `isthmus-merged-tail`: the same, but the tail merged into one update first
 *   (Y.mergeUpdates / concatenated Automerge change chunks): a what-if, not the node's path.
 */
export type RecoveryKind = 'floor' | 'isthmus' | 'isthmus-merged-tail'

export interface RecoveryJob {
  kind: RecoveryKind
  backend: 'yjs' | 'automerge'
  path: string
  doc: string
}

export interface RecoveryMeasurement {
  /** From opening (or, for the floor, from the bytes in memory) to the first read of the whole state. */
  firstReadMs: number
  maxRssBytes: number
  /** RSS once the modules are loaded, just before the clock starts. */
  baselineRssBytes: number
  /** Characters of text in the first read, so the parent can check the recovery is complete. */
  chars: number
  /** Where the time went, for isthmus (open, load, backend from snapshot, tail, value). */
  phasesMs: Record<string, number>
}

type Timed = Omit<RecoveryMeasurement, 'maxRssBytes'>

async function floorRead(job: RecoveryJob): Promise<Timed> {
  const bytes = readFileSync(job.path)
  if (job.backend === 'yjs') {
    const Y = await import('yjs')
    const baselineRssBytes = process.memoryUsage.rss()
    const startMs = performance.now()
    const doc = new Y.Doc()
    Y.applyUpdate(doc, bytes)
    const text = doc.getText('text').toString()
    return { firstReadMs: performance.now() - startMs, baselineRssBytes, chars: text.length, phasesMs: {} }
  }
  const Automerge = await import('@automerge/automerge')
  const baselineRssBytes = process.memoryUsage.rss()
  const startMs = performance.now()
  const doc = Automerge.load<{ text: string }>(bytes)
  const text = doc.text
  return { firstReadMs: performance.now() - startMs, baselineRssBytes, chars: text.length, phasesMs: {} }
}

/** Characters of the `text` field in a backend's value(). */
function textChars(value: unknown): number {
  const text = (value as { text?: unknown } | null)?.text
  return typeof text === 'string' ? text.length : -1
}

/** Awaits `step`, adding its time to `phasesMs[name]`. */
async function phase<T>(
  phasesMs: Record<string, number>,
  name: string,
  step: () => T | Promise<T>,
): Promise<T> {
  const startMs = performance.now()
  const result = await step()
  phasesMs[name] = (phasesMs[name] ?? 0) + performance.now() - startMs
  return result
}

/** The tail as one update: Y.mergeUpdates, or Automerge change chunks back to back. */
async function mergeTail(backend: RecoveryJob['backend'], updates: Uint8Array[]): Promise<Uint8Array[]> {
  if (updates.length <= 1) return updates
  if (backend === 'yjs') return [(await import('yjs')).mergeUpdates(updates)]
  const merged = new Uint8Array(updates.reduce((sum, u) => sum + u.byteLength, 0))
  let offset = 0
  for (const update of updates) {
    merged.set(update, offset)
    offset += update.byteLength
  }
  return [merged]
}

async function isthmusRead(job: RecoveryJob): Promise<Timed> {
  const { applyUpdatesIsolating, openAutomergeBackend, openLevelStore, openYjsBackend } = await import(
    '../harness/isthmus.ts'
  )
  if (job.kind === 'isthmus-merged-tail' && job.backend === 'yjs') await import('yjs')
  const phasesMs: Record<string, number> = {}
  const baselineRssBytes = process.memoryUsage.rss()
  const startMs = performance.now()
  const store = openLevelStore(job.path)
  await phase(phasesMs, 'store open', () => store.open())
  const stored = await phase(phasesMs, 'store load', () => store.load(job.doc))
  if (stored === undefined) throw new Error(`no document '${job.doc}' in ${job.path}`)
  const snapshot = stored.snapshot?.bytes
  const open = job.backend === 'yjs' ? openYjsBackend : openAutomergeBackend
  const backend = await phase(phasesMs, 'backend from snapshot', () => open(snapshot))
  let tail = stored.updates.map((entry) => entry.update)
  if (job.kind === 'isthmus-merged-tail')
    tail = await phase(phasesMs, 'merge tail', () => mergeTail(job.backend, tail))
  if (job.kind === 'isthmus') {
    await phase(phasesMs, `tail (${tail.length} entries, applyUpdates)`, () =>
      applyUpdatesIsolating(backend, tail),
    )
  } else {
    await phase(phasesMs, `tail (${tail.length} applyUpdate)`, () => {
      for (const update of tail) backend.applyUpdate(update)
    })
  }
  const value = await phase(phasesMs, 'value()', () => backend.value())
  const firstReadMs = performance.now() - startMs
  await store.close()
  return { firstReadMs, baselineRssBytes, chars: textChars(value), phasesMs }
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '{}') as RecoveryJob
  const timed = job.kind === 'floor' ? await floorRead(job) : await isthmusRead(job)
  const measurement: RecoveryMeasurement = { ...timed, maxRssBytes: process.resourceUsage().maxRSS * 1024 }
  process.stdout.write(`${JSON.stringify(measurement)}\n`)
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
