/**
 * The operational errors a caller of the node API can handle, each a class
 * with a `name`. Programmer errors (a broken invariant) are plain assertions.
 */

/** createNode options that do not validate; `problems` lists every one. */
export class NodeOptionsError extends Error {
  override name = 'NodeOptionsError'
  readonly problems: string[]
  constructor(problems: string[]) {
    super(`invalid node options: ${problems.join('; ')}`)
    this.problems = problems
  }
}

/** A write asked for `replicas: k` and fewer than k nodes held it durably in time. */
export class ReplicationTimeoutError extends Error {
  override name = 'ReplicationTimeoutError'
  readonly held: number
  readonly wanted: number
  constructor(doc: string, held: number, wanted: number, timeoutMs: number) {
    super(`document "${doc}": ${held} of ${wanted} replicas held the change after ${timeoutMs} ms`)
    this.held = held
    this.wanted = wanted
  }
}

/** A document was opened with a backend other than the one it was created with. */
export class BackendMismatchError extends Error {
  override name = 'BackendMismatchError'
}

/** The node is not running (not started yet, or stopped). */
export class NodeStoppedError extends Error {
  override name = 'NodeStoppedError'
}

/**
 * The identity record in the store is there but unreadable (it failed its
 * checksum). The node refuses to start rather than mint a new identity, which
 * would change its id: peers would count it twice, and the dots it issued
 * under the old id would be orphaned.
 */
export class IdentityCorruptError extends Error {
  override name = 'IdentityCorruptError'
}

/**
 * A node metadata record (a document's claimed version vector, the
 * remembered membership) is in a format this release cannot read: written by
 * a newer release, or malformed. The node refuses it rather than guess.
 */
export class MetadataFormatError extends Error {
  override name = 'MetadataFormatError'
}
