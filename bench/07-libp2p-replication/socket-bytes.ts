/**
 * Bytes on the wire: what the TCP sockets of this process wrote, after
 * libp2p's framing, Yamux headers and Noise encryption (IP and TCP headers
 * not counted). Every TCP socket the process makes or accepts is seen through
 * node's `net.client.socket` / `net.server.socket` diagnostics channels, so
 * libp2p needs no hook; a socket is picked by its ports.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import type { Socket } from 'node:net'

/** Sockets tracked at once: a few nodes in a full mesh need a handful; the bound stops a leak from growing. */
const SOCKETS_MAX = 4096

interface Ports {
  local: number | undefined
  remote: number | undefined
}

/** Watches every TCP socket of the process from construction until `close()`. */
export class SocketBytes {
  readonly #sockets = new Map<Socket, Ports>()
  readonly #onSocket = (message: unknown): void => {
    const socket = (message as { socket?: Socket }).socket
    if (socket !== undefined && this.#sockets.size < SOCKETS_MAX)
      this.#sockets.set(socket, { local: undefined, remote: undefined })
  }

  constructor() {
    subscribe('net.client.socket', this.#onSocket)
    subscribe('net.server.socket', this.#onSocket)
  }

  close(): void {
    unsubscribe('net.client.socket', this.#onSocket)
    unsubscribe('net.server.socket', this.#onSocket)
    this.#sockets.clear()
  }

  // A socket's ports, kept once known: a closed socket may no longer report them.
  #ports(socket: Socket, ports: Ports): Ports {
    ports.local ??= socket.localPort
    ports.remote ??= socket.remotePort
    return ports
  }

  /** Bytes written by the sockets a listener on `port` accepted: that node's side of its inbound connections. */
  writtenByListener(port: number): number {
    return this.#sum((ports) => ports.local === port)
  }

  /** Bytes written by the sockets connected to `port`: the other side of the same connections. */
  writtenToListener(port: number): number {
    return this.#sum((ports) => ports.remote === port)
  }

  /** Sockets a listener on `port` accepted and that are still open. */
  openAcceptedBy(port: number): number {
    let open = 0
    for (const [socket, ports] of this.#sockets)
      if (this.#ports(socket, ports).local === port && !socket.destroyed) open++
    return open
  }

  #sum(pick: (ports: Ports) => boolean): number {
    let total = 0
    for (const [socket, ports] of this.#sockets)
      if (pick(this.#ports(socket, ports))) total += socket.bytesWritten
    return total
  }
}
