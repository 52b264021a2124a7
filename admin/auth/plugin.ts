// Who is asking, and may they: a staff session (cookie) for pages, an API
// token (Authorization: Bearer) for /api/v1. Every route declares its access
// (admin/roles.ts); this plugin adds the check, and the CSRF check on every
// page that changes something, to each route as it is registered, and
// refuses a route that declares none.
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify'
import fp from 'fastify-plugin'
import type { Role } from '../../core/db/generated/client.js'
import type { Actor } from '../../core/services/audit.js'
import { sessionFromToken } from '../../core/services/admin-sessions.js'
import { authenticateToken } from '../../core/services/tokens.js'
import type { AppContext } from '../../core/context.js'
import { allows, isAccess, PUBLIC, type RouteAccess } from '../roles.js'

export const SESSION_COOKIE = 'cw_session'
export const API_PREFIX = '/api/v1/'

/** Routes registered by plugins that cannot carry our config: public by their path. */
const PUBLIC_PREFIXES = ['/api/v1/docs', '/static/']
const PUBLIC_PATHS = ['/healthz', '/readyz', '/metrics']

export interface Staff {
  kind: 'session' | 'token'
  role: Role
  /** The name the audit log records: "staff:ha.nguyen" or "token:3:backup-script". */
  name: string
  userId?: number
  username?: string
  sessionId?: string
  tokenId?: number
}

declare module 'fastify' {
  interface FastifyRequest {
    staff: Staff | null
    /** Who acts, for the audit log: the staff member or token, and the client address. */
    actor: Exclude<Actor, string>
  }
}

export const isApi = (url: string) => url.startsWith(API_PREFIX) || url === '/api/v1'

export function apiError(reply: FastifyReply, status: number, error: string, message: string, extra: object = {}) {
  return reply.code(status).header('cache-control', 'no-store').send({ error, message, ...extra })
}

/** The session cookie's staff member, if any (pages that are public still show who is signed in). */
export async function staffFromCookie(ctx: AppContext, req: FastifyRequest): Promise<Staff | null> {
  const token = req.cookies[SESSION_COOKIE]
  if (!token) return null
  const s = await sessionFromToken(ctx.db.prisma, token)
  return s ? { kind: 'session', role: s.role, name: `staff:${s.username}`, userId: s.userId, username: s.username, sessionId: s.sessionId } : null
}

async function staffFromBearer(ctx: AppContext, req: FastifyRequest): Promise<Staff | null | 'missing'> {
  const header = req.headers.authorization
  if (!header) return 'missing'
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header)
  if (!m) return null
  const t = await authenticateToken(ctx.db.prisma, m[1]!)
  return t ? { kind: 'token', role: t.role, name: `token:${t.id}:${t.name}`, tokenId: t.id } : null
}

export const authPlugin = fp(
  async (app: FastifyInstance, { ctx }: { ctx: AppContext }) => {
    app.decorateRequest('staff', null)
    app.decorateRequest('actor', {
      getter(this: FastifyRequest) {
        return { name: this.staff?.name ?? 'anonymous', ip: this.ip }
      },
    })

    const check = (access: RouteAccess) =>
      async function authorize(req: FastifyRequest, reply: FastifyReply) {
        const url = req.routeOptions.url ?? req.url
        if (isApi(url)) {
          const staff = await staffFromBearer(ctx, req)
          if (staff === 'missing' || staff === null) {
            reply.header('www-authenticate', 'Bearer')
            return apiError(reply, 401, 'unauthorized', staff === 'missing' ? 'an API token is required: Authorization: Bearer <token>' : 'the API token is unknown or revoked')
          }
          req.staff = staff
          if (!allows(access, staff.role)) return apiError(reply, 403, 'forbidden', `the role "${staff.role}" may not do this`)
          return
        }
        const staff = await staffFromCookie(ctx, req)
        if (!staff) {
          if (req.method === 'GET' || req.method === 'HEAD') return reply.redirect(`/login?next=${encodeURIComponent(req.url)}`, 303)
          return reply.page(req.tr.t('auth.signedOutTitle'), [{ kind: 'notice', tone: 'error', text: req.tr.t('auth.signedOutText'), test: 'signed-out' }, { kind: 'actions', links: [{ href: '/login', label: req.tr.t('login.submit') }] }], { status: 401 })
        }
        req.staff = staff
        if (!allows(access, staff.role)) {
          return reply.page(req.tr.t('auth.forbiddenTitle'), [{ kind: 'notice', tone: 'error', text: req.tr.t('auth.forbiddenText', { role: req.tr.t(`role.${staff.role}`) }), test: 'forbidden' }], { status: 403 })
        }
      }

    app.addHook('onRoute', (route: RouteOptions) => {
      const url = route.url
      let access = route.config?.access
      if (access === undefined && (PUBLIC_PATHS.includes(url) || PUBLIC_PREFIXES.some((p) => url.startsWith(p)))) access = PUBLIC
      if (!isAccess(access)) {
        throw new Error(`admin route ${String(route.method)} ${url} declares no access: add config.access (a key of admin/roles.ts ACCESS, or 'public')`)
      }
      route.config = { ...route.config, access }
      const methods = ([] as string[]).concat(route.method)
      const changes = methods.some((m) => m !== 'GET' && m !== 'HEAD')
      // Who asks is checked first, before the body is even read: a stranger learns nothing from validation errors.
      if (access !== PUBLIC) {
        const onRequest = ([] as NonNullable<RouteOptions['onRequest']>[]).concat(route.onRequest ?? []).flat()
        route.onRequest = [check(access), ...onRequest] as RouteOptions['onRequest']
      }
      // Pages that change something carry a CSRF token (read from the parsed body); the API is called with a Bearer token, never a cookie.
      if (changes && !isApi(url)) {
        const pre = ([] as NonNullable<RouteOptions['preHandler']>[]).concat(route.preHandler ?? []).flat()
        route.preHandler = [app.csrfProtection, ...pre] as RouteOptions['preHandler']
      }
    })
  },
  { name: 'citywifi-admin-auth', dependencies: ['@fastify/cookie', '@fastify/csrf-protection'] },
)
