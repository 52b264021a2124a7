// The staff web app and REST API; Prometheus scrapes /metrics here. Each
// area (sites, nas, …) is a plugin with its pages and its /api/v1 routes side
// by side; they share the layout (render.ts), the role table (roles.ts), the
// sign-in and token checks (auth/plugin.ts), the API conventions (api.ts)
// and the error handling (errors.ts). docs/admin.md says how to add an area.
import cookie from '@fastify/cookie'
import csrf from '@fastify/csrf-protection'
import formbody from '@fastify/formbody'
import helmet from '@fastify/helmet'
import multipart from '@fastify/multipart'
import rateLimit from '@fastify/rate-limit'
import fastifyStatic from '@fastify/static'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import fastifyView from '@fastify/view'
import { Eta } from 'eta'
import type { FastifyInstance } from 'fastify'
import type { AppContext } from '../core/context.js'
import { createHttpApp } from '../core/http/app.js'
import { healthRoutes } from '../core/http/health.js'
import { metricsRoutes } from '../core/http/metrics.js'
import { purgeAdminSessions } from '../core/services/admin-sessions.js'
import { MAX_LOGO_BYTES } from '../core/services/sites.js'
import { apiConventions } from './api.js'
import { auditArea } from './audit/index.js'
import { authPages } from './auth/pages.js'
import { authPlugin, isApi } from './auth/plugin.js'
import { registerErrorHandlers } from './errors.js'
import { homeArea } from './home/index.js'
import { nasArea } from './nas/index.js'
import { policiesArea } from './policies/index.js'
import { privacyArea } from './privacy/index.js'
import { ADMIN_DIR, renderPlugin, STATIC_DIR } from './render.js'
import type { RouteAccess } from './roles.js'
import { sessionsArea } from './sessions/index.js'
import { sitesArea } from './sites/index.js'
import { staffArea } from './staff/index.js'
import { statsApi } from './stats/api.js'
import { statsArea } from './stats/index.js'
import { termsArea } from './terms/index.js'
import { vouchersArea } from './vouchers/index.js'

export interface AdminOptions {
  /** How long a disconnect waits for the NAS's answer (tests shorten it). */
  coaWaitMs?: number
}

export interface RouteEntry {
  method: string
  url: string
  access: RouteAccess
}

declare module 'fastify' {
  interface FastifyInstance {
    /** What every area shares; `routes` lists every route with its access (docs, the route × role test). */
    admin: { ctx: AppContext; options: AdminOptions; routes: RouteEntry[] }
  }
}

export async function buildAdmin(ctx: AppContext, options: AdminOptions = {}): Promise<FastifyInstance> {
  const app = createHttpApp(ctx.log, ctx.config.trustProxy, { bodyLimit: 256 * 1024 })
  const routes: RouteEntry[] = []
  app.decorate('admin', { ctx, options, routes })

  // Signed cookies (the CSRF secret) with a key every admin copy sharing the instance key derives alike.
  await app.register(cookie, { secret: ctx.secrets.subkey('admin cookie v2').toString('base64url') })
  await app.register(formbody, { bodyLimit: 256 * 1024 })
  await app.register(multipart, { limits: { fileSize: MAX_LOGO_BYTES, files: 1, fields: 10, parts: 12 } })
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
      },
    },
    // Plain http on a LAN is allowed (TLS is the proxy's job): no HSTS from here.
    strictTransportSecurity: false,
    referrerPolicy: { policy: 'no-referrer' },
  })
  await app.register(rateLimit, { global: false })
  await app.register(csrf, {
    sessionPlugin: '@fastify/cookie',
    cookieOpts: { path: '/', sameSite: 'strict', httpOnly: true, signed: true },
    // Multipart forms (the logo upload) carry the token in the query: their body is read by the handler.
    getToken: (req) => (req.body as { _csrf?: string } | undefined)?._csrf ?? (req.query as { _csrf?: string } | undefined)?._csrf,
  })
  await app.register(fastifyView, {
    engine: { eta: new Eta({ views: ADMIN_DIR, autoEscape: true, cache: true }) },
    root: ADMIN_DIR,
    production: true,
  })
  await app.register(fastifyStatic, { root: STATIC_DIR, prefix: '/static/', maxAge: '365d', immutable: true, decorateReply: false, index: false })

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'citywifi admin API',
        version: '1',
        description: 'Manage sites, access points (NAS), policies, vouchers, sessions, terms, staff, tokens and the audit log. `Authorization: Bearer <token>` (`citywifi token create`).',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
    // Only /api/v1 is the API; pages are not in the document.
    transform: ({ schema, url }) => ({ schema: (isApi(url) ? schema : { ...(schema ?? {}), hide: true }) as typeof schema, url }),
  })
  await app.register(swaggerUi, { routePrefix: '/api/v1/docs', uiConfig: { validatorUrl: null, docExpansion: 'list' } })

  await app.register(renderPlugin, { timeZone: ctx.config.timeZone })
  await app.register(authPlugin, { ctx })
  await app.register(apiConventions)
  app.addHook('onRoute', (r) => {
    for (const method of ([] as string[]).concat(r.method)) if (method !== 'HEAD') routes.push({ method, url: r.url, access: r.config!.access! })
  })
  registerErrorHandlers(app)

  await app.register(healthRoutes, { db: ctx.db, service: 'admin' })
  await app.register(metricsRoutes, { ctx })
  app.get('/api/v1/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () => app.swagger())

  await app.register(authPages, { ctx })
  await app.register(homeArea, { ctx })
  await app.register(sitesArea, { ctx })
  await app.register(nasArea, { ctx })
  await app.register(policiesArea, { ctx })
  await app.register(vouchersArea, { ctx })
  await app.register(sessionsArea, { ctx })
  await app.register(termsArea, { ctx })
  await app.register(staffArea, { ctx })
  await app.register(auditArea, { ctx })
  await app.register(privacyArea, { ctx })
  await app.register(statsApi, { ctx })
  await app.register(statsArea, { ctx })

  // Ended sign-ins and old failed attempts, hourly.
  const purge = setInterval(() => purgeAdminSessions(ctx.db.prisma).catch((err) => ctx.log.warn({ err }, 'purging admin sessions failed')), 3600_000)
  purge.unref()
  app.addHook('onClose', async () => clearInterval(purge))
  return app
}
