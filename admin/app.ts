// The staff web app and REST API; Prometheus scrapes /metrics here.
import type { FastifyInstance } from 'fastify'
import type { AppContext } from '../core/context.js'
import { createHttpApp } from '../core/http/app.js'
import { healthRoutes } from '../core/http/health.js'

export async function buildAdmin(ctx: AppContext): Promise<FastifyInstance> {
  const app = createHttpApp(ctx.log)
  await app.register(healthRoutes, { db: ctx.db, service: 'admin' })
  app.get('/metrics', { schema: { response: { 200: { type: 'string' } } }, logLevel: 'warn' }, async (_req, res) => {
    res.header('content-type', ctx.metrics.contentType)
    return ctx.metrics.metrics()
  })
  return app
}
