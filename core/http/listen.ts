import type { FastifyInstance } from 'fastify'
import { ListenError, listenErrorMessage } from '../context.js'

/** Listens, turning "port in use" and the like into one clear line; returns the URL. */
export async function listenHttp(app: FastifyInstance, host: string, port: number, what: string): Promise<string> {
  try {
    await app.listen({ host, port })
  } catch (err) {
    await app.close().catch(() => {})
    throw new ListenError(listenErrorMessage(err as NodeJS.ErrnoException, what, host, port))
  }
  const addr = app.server.address()
  const actual = typeof addr === 'object' && addr ? addr.port : port
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host
  return `http://${shown}:${actual}`
}
