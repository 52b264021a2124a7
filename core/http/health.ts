import type { FastifyPluginAsync } from 'fastify'
import type { Database } from '../db/database.js'

const PING_TIMEOUT_MS = 2000

const reply = {
  type: 'object',
  required: ['status', 'database'],
  properties: {
    status: { type: 'string', enum: ['ok', 'unavailable'] },
    service: { type: 'string' },
    database: { type: 'string', enum: ['up', 'down'] },
  },
} as const

/** GET /healthz: 200 only while the database answers, 503 otherwise (for load balancers and systemd). */
export const healthRoutes: FastifyPluginAsync<{ db: Database; service: string }> = async (app, { db, service }) => {
  app.get('/healthz', { schema: { response: { 200: reply, 503: reply } }, logLevel: 'warn' }, async (_req, res) => {
    const up = await Promise.race([db.ping(), new Promise<boolean>((r) => setTimeout(r, PING_TIMEOUT_MS, false).unref())])
    res.header('cache-control', 'no-store')
    return res.code(up ? 200 : 503).send({ status: up ? 'ok' : 'unavailable', service, database: up ? 'up' : 'down' })
  })
}
