import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify'
import type { Logger } from '../logger.js'

// Request lines at debug level: a busy portal at info would log every phone's
// every request. Failures stay at error.
class QuietRequests extends LogController {
  override incomingRequest(request: FastifyRequest) {
    request.log.debug({ method: request.method, url: request.url }, 'incoming request')
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply) {
    if (error) reply.log.error({ err: error, url: request.url, statusCode: reply.statusCode }, 'request failed')
    else reply.log.debug({ url: request.url, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request completed')
  }
}

export function createHttpApp(log: Logger, options: FastifyServerOptions = {}): FastifyInstance {
  return Fastify({
    loggerInstance: log as FastifyBaseLogger,
    logController: new QuietRequests(),
    // Behind the nginx TLS proxy of deploy/: the client address is in X-Forwarded-For.
    trustProxy: true,
    ...options,
  })
}
