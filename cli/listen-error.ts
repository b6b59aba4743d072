/**
 * libp2p's error when a listen address cannot be opened is several lines
 * ending in advice about `transportManager.faultTolerance`, an option of a
 * library the user never configured. `isthmus node` says instead which
 * address failed and why, in one line.
 */

/** Socket errors a user can act on, by errno code. */
const listenReasons: Record<string, string> = {
  EADDRINUSE:
    'address already in use (another process listens there: pick another port, or 0 for any free one)',
  EADDRNOTAVAIL: 'this machine has no such address',
  EACCES: 'permission denied (ports below 1024 need privileges)',
}

/** Lines of libp2p's message that name one address and its error: `  /ip4/…/tcp/4001: Error: listen EADDRINUSE: …`. */
const addressLine = /^\s*(\/\S+): (.*)$/

/**
 * The one line to print for a listen failure, or undefined when `error` is not
 * one (the caller reports it as it is).
 */
export function listenFailure(error: unknown): string | undefined {
  if (!(error instanceof Error) || !/failed to be listened on/.test(error.message)) return undefined
  const failures: string[] = []
  for (const line of error.message.split('\n')) {
    const match = addressLine.exec(line)
    if (match === null) continue
    const [, address, detail = ''] = match
    const code = /\b(E[A-Z]+)\b/.exec(detail)?.[1]
    const reason = (code === undefined ? undefined : listenReasons[code]) ?? detail.replace(/^Error: /, '')
    failures.push(`${address}: ${reason}`)
  }
  if (failures.length === 0) return undefined
  return `cannot listen on ${failures.join('; ')}`
}
