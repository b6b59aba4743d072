/**
 * A small editing model shared by the property tests: map sets and deletes,
 * list inserts and deletes, text inserts and deletes, applied through either
 * backend. Positions are raw numbers taken modulo the current length, so any
 * generated operation applies to any document.
 */
import * as Automerge from '@automerge/automerge'
import fc from 'fast-check'
import * as Y from 'yjs'
import type { AutomergeBackend } from '../../crdt/automerge.ts'
import type { DocBackend } from '../../crdt/backend.ts'
import { createBackend } from '../../crdt/index.ts'
import type { YjsBackend } from '../../crdt/yjs.ts'
import type { Random } from '../../src/env/types.ts'

export type Op =
  | { kind: 'mapSet'; key: string; value: number | string }
  | { kind: 'mapSetList'; key: string; values: number[] }
  | { kind: 'mapDelete'; key: string }
  | { kind: 'listInsert'; at: number; value: number }
  | { kind: 'listDelete'; at: number; count: number }
  | { kind: 'textInsert'; at: number; text: string }
  | { kind: 'textDelete'; at: number; count: number }

const key = fc.constantFrom('a', 'b', 'c', 'd')
const at = fc.nat({ max: 1000 })
const count = fc.integer({ min: 1, max: 3 })

/** Any one operation. */
export const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('mapSet'), key, value: fc.oneof(fc.integer(), fc.string({ maxLength: 4 })) }),
  fc.record({ kind: fc.constant('mapSetList'), key, values: fc.array(fc.integer(), { maxLength: 3 }) }),
  fc.record({ kind: fc.constant('mapDelete'), key }),
  fc.record({ kind: fc.constant('listInsert'), at, value: fc.integer() }),
  fc.record({ kind: fc.constant('listDelete'), at, count }),
  fc.record({ kind: fc.constant('textInsert'), at, text: fc.string({ minLength: 1, maxLength: 4 }) }),
  fc.record({ kind: fc.constant('textDelete'), at, count }),
) as fc.Arbitrary<Op>

/** How a test drives one backend kind. */
export interface Driver {
  name: 'yjs' | 'automerge'
  open(random: Random, snapshot?: Uint8Array): DocBackend
  /** The edit every replica starts from (Automerge: the containers, made once so replicas share them), or null. */
  genesis(backend: DocBackend): Uint8Array | null
  apply(backend: DocBackend, op: Op): Uint8Array | null
}

export const yjsDriver: Driver = {
  name: 'yjs',
  open: (random, snapshot) => createBackend('yjs', { random, ...(snapshot ? { snapshot } : {}) }),
  genesis: () => null, // Yjs top-level types need no creation
  apply: (backend, op) => (backend as YjsBackend).change((doc) => applyYjs(doc, op)),
}

export const automergeDriver: Driver = {
  name: 'automerge',
  open: (random, snapshot) => createBackend('automerge', { random, ...(snapshot ? { snapshot } : {}) }),
  genesis: (backend) =>
    (backend as AutomergeBackend).change((doc) => {
      doc.m = {}
      doc.l = []
      doc.t = ''
    }),
  apply: (backend, op) => (backend as AutomergeBackend).change((doc) => applyAutomerge(doc, op)),
}

export const drivers: readonly Driver[] = [yjsDriver, automergeDriver]

function applyYjs(doc: Y.Doc, op: Op): void {
  const map = doc.getMap('m')
  const list = doc.getArray<number>('l')
  const text = doc.getText('t')
  switch (op.kind) {
    case 'mapSet':
      map.set(op.key, op.value)
      break
    case 'mapSetList':
      map.set(op.key, Y.Array.from(op.values))
      break
    case 'mapDelete':
      map.delete(op.key)
      break
    case 'listInsert':
      list.insert(op.at % (list.length + 1), [op.value])
      break
    case 'listDelete':
      deleteRange(list.length, op, (index, n) => list.delete(index, n))
      break
    case 'textInsert':
      text.insert(op.at % (text.length + 1), op.text)
      break
    case 'textDelete':
      deleteRange(text.length, op, (index, n) => text.delete(index, n))
      break
  }
}

// biome-ignore lint/suspicious/noExplicitAny: Automerge's mutable proxy is untyped here
function applyAutomerge(doc: any, op: Op): void {
  switch (op.kind) {
    case 'mapSet':
      doc.m[op.key] = op.value
      break
    case 'mapSetList':
      doc.m[op.key] = [...op.values]
      break
    case 'mapDelete':
      delete doc.m[op.key]
      break
    case 'listInsert':
      doc.l.insertAt(op.at % (doc.l.length + 1), op.value)
      break
    case 'listDelete':
      deleteRange(doc.l.length, op, (index, n) => doc.l.deleteAt(index, n))
      break
    case 'textInsert':
      Automerge.splice(doc, ['t'], op.at % (doc.t.length + 1), 0, op.text)
      break
    case 'textDelete':
      deleteRange(doc.t.length, op, (index, n) => Automerge.splice(doc, ['t'], index, n))
      break
  }
}

function deleteRange(
  length: number,
  op: { at: number; count: number },
  del: (index: number, n: number) => void,
) {
  if (length === 0) return
  const index = op.at % length
  del(index, Math.min(op.count, length - index))
}
