// The captive portal: what the public's phones see.
import type { FastifyInstance } from 'fastify'
import type { AppContext } from '../core/context.js'
import { createHttpApp } from '../core/http/app.js'
import { healthRoutes } from '../core/http/health.js'

export async function buildPortal(ctx: AppContext): Promise<FastifyInstance> {
  // Phones on weak links: give up on a stalled request instead of holding it.
  const app = createHttpApp(ctx.log, { requestTimeout: 30_000 })
  await app.register(healthRoutes, { db: ctx.db, service: 'portal' })
  return app
}
