/**
 * Reads a Yjs v1 update without touching any document and rejects what Yjs
 * would choke on halfway through applying it. Yjs has no rollback: an update
 * that throws after some of its structs were integrated leaves them in the
 * document, so everything that can be checked up front is checked here.
 *
 * Checked: the bytes decode (`Y.decodeUpdate` throws on truncation and on
 * unknown struct or content kinds); every struct covers at least one clock
 * (a zero-length struct breaks Yjs's clock arithmetic); clocks stay safe
 * integers; an item only refers to earlier clocks of its own client (origins
 * and parents always existed before the item did).
 *
 * Not checkable without a checksum, which the Yjs format does not have: a
 * flipped byte inside a string or a clock that still decodes is a different,
 * valid update. Transport and store frames carry checksums for that.
 */
import * as Y from 'yjs'
import { CrdtDecodeError, decodeFailure } from './errors.ts'

type DecodedUpdate = ReturnType<typeof Y.decodeUpdate>
type Struct = DecodedUpdate['structs'][number]

/** What an accepted update is about. */
export interface YjsUpdateSummary {
  /** Client ids that wrote the structs in the update. */
  clients: Set<number>
}

/** Throws CrdtDecodeError unless `update` is a well-formed Yjs v1 update. */
export function checkYjsUpdate(update: Uint8Array): YjsUpdateSummary {
  return checkDecoded(update, Y.decodeUpdate)
}

/** `checkYjsUpdate` of `update` as `decode` reads it (v1, or v2 for what Yjs keeps internally). */
function checkDecoded(update: Uint8Array, decode: (update: Uint8Array) => DecodedUpdate): YjsUpdateSummary {
  let decoded: DecodedUpdate
  try {
    decoded = decode(update)
  } catch (error) {
    throw decodeFailure('yjs update', error)
  }
  const clients = new Set<number>()
  for (const struct of decoded.structs) {
    checkStruct(struct)
    clients.add(struct.id.client)
  }
  checkDeleteSet(decoded.ds)
  return { clients }
}

/**
 * Checks what an unchecked load (a snapshot into a fresh Y.Doc) put into the
 * document, by the rules `checkYjsUpdate` applies to bytes: every integrated
 * struct covers a clock and clocks stay safe integers. An item that refers to
 * its own future clock cannot have integrated (it waits for itself), so it is
 * among the structs Yjs holds back; those, and the held-back deletions, are
 * checked as the (v2) updates Yjs keeps them in. Returns the held-back
 * structs' writers, which `doc.store.clients` does not list. Throws
 * CrdtDecodeError.
 */
export function checkYjsStore(doc: Y.Doc): Set<number> {
  for (const [client, structs] of doc.store.clients) {
    for (const struct of structs) {
      if (!(struct.length >= 1))
        throw rejected(`struct ${client}:${struct.id.clock} has length ${struct.length}`)
    }
    const last = structs[structs.length - 1]
    // Integrated structs are contiguous: the last one's end bounds every clock.
    if (last !== undefined && !Number.isSafeInteger(last.id.clock + last.length))
      throw rejected(`struct ${client}:${last.id.clock} overflows the clock`)
  }
  // Yjs keeps what it holds back as v2 updates.
  const { pendingStructs, pendingDs } = doc.store
  if (pendingDs !== null) checkDecoded(pendingDs, Y.decodeUpdateV2)
  return pendingStructs === null ? new Set() : checkDecoded(pendingStructs.update, Y.decodeUpdateV2).clients
}

function checkStruct(struct: Struct): void {
  const { client, clock } = struct.id
  if (!(struct.length >= 1)) throw rejected(`struct ${client}:${clock} has length ${struct.length}`)
  if (!Number.isSafeInteger(clock + struct.length))
    throw rejected(`struct ${client}:${clock} overflows the clock`)
  if (!(struct instanceof Y.Item)) return
  const parent = struct.parent instanceof Y.ID ? struct.parent : null
  for (const ref of [struct.origin, struct.rightOrigin, parent]) {
    if (ref !== null && ref.client === client && ref.clock >= clock) {
      throw rejected(`item ${client}:${clock} refers to its own future clock ${ref.clock}`)
    }
  }
}

function checkDeleteSet(deleteSet: DecodedUpdate['ds']): void {
  for (const [client, ranges] of deleteSet.clients) {
    for (const range of ranges) {
      if (!(range.len >= 1) || !Number.isSafeInteger(range.clock + range.len)) {
        throw rejected(`delete range ${client}:${range.clock}+${range.len}`)
      }
    }
  }
}

function rejected(reason: string): CrdtDecodeError {
  return new CrdtDecodeError(`yjs update: ${reason}`)
}
