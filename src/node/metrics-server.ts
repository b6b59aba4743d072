/**
 * `/metrics` over node:http: what `isthmus node --metrics-port` serves for a
 * Prometheus scraper. Only GET (and HEAD) of `/metrics` and of the `pages`
 * the caller adds (the status page); anything else is a 404 or 405.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** What the server renders: a node, or anything with the same two members. */
export interface MetricsProvider {
  metricsText(): Promise<string>
  readonly metricsContentType: string
}

export interface MetricsServerOptions {
  /** TCP port; 0 picks a free one (see `url`). */
  port: number
  /** Interface to bind. Default 127.0.0.1: metrics name peers, so exposing them is a choice. */
  host?: string
  // --- issue 10 (status page) ---
  /** More GET pages by path (e.g. `/` and `/status.json` of `isthmus node`), each rendered per request. */
  pages?: Readonly<Record<string, () => StatusPage>>
  // --- end issue 10 (status page) ---
}

/** One page a route renders: its content type and body. */
export interface StatusPage {
  contentType: string
  body: string
}

export interface MetricsServer {
  /** Where the metrics are, e.g. `http://127.0.0.1:9464/metrics`. */
  readonly url: string
  readonly port: number
  /** Stops accepting and closes idle keep-alive connections. */
  close(): Promise<void>
}

/** Starts serving `provider`'s metrics; rejects if the port cannot be bound. */
export async function startMetricsServer(
  provider: MetricsProvider,
  options: MetricsServerOptions,
): Promise<MetricsServer> {
  const host = options.host ?? '127.0.0.1'
  const server = createServer((req, res) => void respond(provider, req, res, options.pages ?? {}))
  await listen(server, options.port, host)
  const port = (server.address() as AddressInfo).port
  const shownHost = host.includes(':') ? `[${host}]` : host
  return {
    url: `http://${shownHost}:${port}/metrics`,
    port,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve())
        server.closeIdleConnections()
      }),
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
}

async function respond(
  provider: MetricsProvider,
  req: IncomingMessage,
  res: ServerResponse,
  pages: Readonly<Record<string, () => StatusPage>>,
): Promise<void> {
  const path = (req.url ?? '/').split('?')[0] ?? '/'
  const page = Object.hasOwn(pages, path) ? pages[path] : undefined
  if (path !== '/metrics' && page === undefined)
    return plain(res, 404, 'not found: metrics are at /metrics\n')
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD')
    return plain(res, 405, 'method not allowed\n')
  }
  // --- issue 10 (status page) ---
  if (page !== undefined) {
    try {
      const { contentType, body } = page()
      res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' })
      res.end(req.method === 'HEAD' ? undefined : body)
    } catch (error) {
      plain(res, 500, `${path} failed: ${error instanceof Error ? error.message : String(error)}\n`)
    }
    return
  }
  // --- end issue 10 (status page) ---
  try {
    const text = await provider.metricsText()
    res.writeHead(200, { 'content-type': provider.metricsContentType })
    res.end(req.method === 'HEAD' ? undefined : text)
  } catch (error) {
    plain(res, 500, `metrics failed: ${error instanceof Error ? error.message : String(error)}\n`)
  }
}

function plain(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' })
  res.end(body)
}
