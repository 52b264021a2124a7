import type { FastifyPluginAsync } from 'fastify'
import { AggregatorRegistry, type Registry } from 'prom-client'
import type { AppContext, RunningService } from '../context.js'
import { createHttpApp } from './app.js'
import { healthRoutes } from './health.js'
import { listenHttp } from './listen.js'

/**
 * GET /metrics: the process's Prometheus registry in the text format, added up
 * with those of the processes it speaks for (each metric says how: a sum for
 * counters, the highest value for "last seen", …).
 */
export const metricsRoutes: FastifyPluginAsync<{ ctx: Pick<AppContext, 'metrics' | 'metricSources'> }> = async (app, { ctx }) => {
  app.get('/metrics', { schema: { response: { 200: { type: 'string' } } }, logLevel: 'warn' }, async (_req, res) => {
    res.header('content-type', ctx.metrics.contentType)
    if (!ctx.metricSources.length) return ctx.metrics.metrics()
    const others = (await Promise.all(ctx.metricSources.map((source) => source()))).flat()
    return AggregatorRegistry.aggregate([await ctx.metrics.getMetricsAsJSON(), ...others]).metrics()
  })
}

/**
 * /metrics and /healthz on METRICS_PORT, for a process that runs RADIUS or
 * the portal without the admin app (which serves /metrics otherwise).
 */
export async function startMetricsServer(ctx: AppContext, port: number): Promise<RunningService> {
  const app = createHttpApp(ctx.log, ctx.config.trustProxy)
  await app.register(healthRoutes, { db: ctx.db, service: 'metrics' })
  await app.register(metricsRoutes, { ctx })
  const url = await listenHttp(app, ctx.config.listenHost, port, 'the metrics endpoint (METRICS_PORT)')
  return { name: 'admin', addresses: [`${url}/metrics`], close: () => app.close() }
}
