// A tiny HTTP server for the fake NAS programs (no framework: they are meant to look like the devices).
import http from 'node:http'

export type Handler = (req: http.IncomingMessage, url: URL, body: URLSearchParams) => Promise<{ status: number; headers?: Record<string, string>; body?: string }>

export async function listen(handler: Handler): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    let raw = ''
    req.on('data', (d: Buffer) => (raw += d.toString()))
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake')
      handler(req, url, new URLSearchParams(raw))
        .then((r) => {
          res.writeHead(r.status, { 'cache-control': 'no-store', ...(r.headers ?? {}) })
          res.end(r.body ?? '')
        })
        .catch((err: Error) => {
          res.writeHead(500, { 'content-type': 'text/plain' })
          res.end(`fake NAS error: ${err.message}`)
        })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

export function redirect(location: string) {
  return { status: 302, headers: { location } }
}

export function page(html: string, status = 200) {
  return { status, headers: { 'content-type': 'text/html; charset=utf-8' }, body: `<!doctype html><html><body>${html}</body></html>` }
}
