/**
 * Operational faults of the libp2p transport, each a class with a `name` a
 * caller can match on. A frame a peer got wrong is not an error here: it is
 * dropped, counted and logged, and the transport carries on.
 */

/** `libp2pTransport` options that do not validate; `problems` lists every one. */
export class TransportOptionsError extends Error {
  override readonly name = 'TransportOptionsError'
  readonly problems: string[]

  constructor(problems: string[]) {
    super(`invalid libp2p transport options: ${problems.join('; ')}`)
    this.problems = problems
  }
}

/** The transport was used in the wrong state: `dial` before `start`, `start` twice, a dial cut short by `stop`. */
export class TransportStateError extends Error {
  override readonly name = 'TransportStateError'
}

/** The saved identity is not a libp2p private key. The transport refuses to mint a new one, which would change the node id. */
export class TransportIdentityError extends Error {
  override readonly name = 'TransportIdentityError'

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
  }
}

/** A dial failed: bad address, peer not on the allowlist, unreachable, or not speaking `/isthmus/1.0.0` in time. */
export class DialError extends Error {
  override readonly name = 'DialError'
  readonly address: string

  constructor(address: string, reason: string, options?: { cause?: unknown }) {
    super(`dial ${address}: ${reason}`, options)
    this.address = address
  }
}
