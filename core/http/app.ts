import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify'
import type { Logger } from '../logger.js'

// The path only: NAS redirects carry the client's MAC and IP in the query
// string (openNDS even base64-encoded), which logs must not keep.
const pathOf = (request: FastifyRequest) => request.url.split('?', 1)[0]

// Request lines at debug level: a busy portal at info would log every phone's
// every request. Failures stay at error.
class QuietRequests extends LogController {
  override incomingRequest(request: FastifyRequest) {
    request.log.debug({ method: request.method, path: pathOf(request) }, 'incoming request')
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply) {
    if (error) reply.log.error({ err: error, path: pathOf(request), statusCode: reply.statusCode }, 'request failed')
    else reply.log.debug({ path: pathOf(request), statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request completed')
  }
}

export function createHttpApp(log: Logger, trustProxy: string[], options: FastifyServerOptions = {}): FastifyInstance {
  return Fastify({
    loggerInstance: log as FastifyBaseLogger,
    logController: new QuietRequests(),
    // Behind the TLS proxy of deploy/nginx the client's address is in
    // X-Forwarded-For; only from those proxies (TRUST_PROXY), or anyone could
    // choose the address rate limits and the captive-portal API go by.
    trustProxy,
    ...options,
  })
}
