// The captive portal: what the public's phones see.
import formbody from '@fastify/formbody'
import fastifyStatic from '@fastify/static'
import fastifyView from '@fastify/view'
import { Eta } from 'eta'
import type { FastifyError, FastifyInstance } from 'fastify'
import type { AppContext } from '../core/context.js'
import { createHttpApp } from '../core/http/app.js'
import { healthRoutes } from '../core/http/health.js'
import { loginRoutes } from './routes/login.js'
import { otpRoutes } from './routes/otp.js'
import { pageRoutes } from './routes/pages.js'
import { statusRoutes } from './routes/status.js'
import { isDatabaseUnavailable } from './outage.js'
import { Translator } from './i18n.js'
import { Portal, STATIC_DIR, VIEWS_DIR, type PortalOptions } from './runtime.js'

export type { PortalOptions } from './runtime.js'

declare module 'fastify' {
  interface FastifyInstance {
    portal: Portal
  }
}

/** What a phone is told to wait during a database outage. */
export const RETRY_AFTER_SECONDS = 30

export async function buildPortal(ctx: AppContext, options: PortalOptions = {}): Promise<FastifyInstance> {
  // Phones on weak links: give up on a stalled request instead of holding it.
  const app = createHttpApp(ctx.log, ctx.config.trustProxy, { requestTimeout: 30_000, bodyLimit: 16 * 1024 })
  const portal = new Portal(ctx, options)
  app.decorate('portal', portal)

  await app.register(formbody, { bodyLimit: 16 * 1024 })
  await app.register(fastifyView, {
    engine: { eta: new Eta({ views: VIEWS_DIR, autoEscape: true, cache: true, rmWhitespace: true }) },
    root: VIEWS_DIR,
    production: true,
  })
  await app.register(fastifyStatic, { root: STATIC_DIR, prefix: '/static/', maxAge: '365d', immutable: true, decorateReply: false, index: false })
  await app.register(healthRoutes, { db: ctx.db, service: 'portal' })

  // Headers for what no page handler set (redirects, JSON, static files).
  app.addHook('onSend', async (_req, reply, payload) => {
    if (!reply.hasHeader('x-content-type-options')) reply.header('x-content-type-options', 'nosniff')
    if (!reply.hasHeader('referrer-policy')) reply.header('referrer-policy', 'no-referrer')
    if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', "default-src 'none'; frame-ancestors 'none'")
    return payload
  })

  await pageRoutes(app, portal)
  await loginRoutes(app, portal)
  await otpRoutes(app, portal)
  await statusRoutes(app, portal)

  app.setNotFoundHandler(async (req, reply) => {
    const tr = portal.translator(req)
    // A request for another host reached the portal (a NAS that intercepts
    // instead of redirecting, an app probing the Internet): RFC 6585's 511.
    if (!portal.isPortalHost(req.headers.host)) {
      return portal.message(reply, tr, {
        status: 511,
        title: 'auth.title',
        lines: [tr.t('auth.text')],
        action: { href: `${portal.publicUrl}/`, label: tr.t('auth.link') },
        page: 'network_auth',
      })
    }
    return portal.message(reply, tr, { status: 404, title: 'notFound.title', lines: [tr.t('notFound.text')], page: 'not_found' })
  })

  app.setErrorHandler(async (err: FastifyError, req, reply) => {
    const tr = portal.translator(req)
    if (err.validation || (err.statusCode && err.statusCode < 500)) {
      req.log.info({ url: req.routeOptions.url, reason: err.message }, 'request refused')
      return portal.message(reply, tr, { status: err.statusCode && err.statusCode >= 400 ? err.statusCode : 400, title: 'nas.badTitle', lines: [tr.t('nas.badText')], page: 'bad_request' })
    }
    if (isDatabaseUnavailable(err)) {
      // The database is away (restart, failover, outage): say so, in both
      // languages whatever the browser asked for, and when to try again.
      portal.outages.seen(req.log, err)
      reply.header('retry-after', String(RETRY_AFTER_SECONDS))
      const vi = new Translator('vi', ctx.config.timeZone)
      const en = new Translator('en', ctx.config.timeZone)
      const seconds = { seconds: RETRY_AFTER_SECONDS }
      return portal.message(reply, vi, {
        status: 503,
        title: 'outage.title',
        lines: [vi.t('outage.text', seconds), `${en.t('outage.title')}. ${en.t('outage.text', seconds)}`],
        page: 'outage',
      })
    }
    req.log.error({ err, url: req.routeOptions.url }, 'portal request failed')
    return portal.message(reply, tr, { status: 500, title: 'error.title', lines: [tr.t('error.text')], page: 'error' })
  })

  return app
}
