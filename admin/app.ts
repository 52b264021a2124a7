// The staff web app and REST API; Prometheus scrapes /metrics here.
import type { FastifyInstance } from 'fastify'
import type { AppContext } from '../core/context.js'
import { createHttpApp } from '../core/http/app.js'
import { healthRoutes } from '../core/http/health.js'
import { metricsRoutes } from '../core/http/metrics.js'

export async function buildAdmin(ctx: AppContext): Promise<FastifyInstance> {
  const app = createHttpApp(ctx.log, ctx.config.trustProxy)
  await app.register(healthRoutes, { db: ctx.db, service: 'admin' })
  await app.register(metricsRoutes, { ctx })
  return app
}
