// The admin app on a fresh database over a real socket, with one staff
// account and one API token per role, and a small browser-like client
// (cookies, CSRF tokens from the forms) for its pages.
import type { Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { buildAdmin, type AdminOptions } from '../../admin/app.js'
import type { AppContext } from '../../core/context.js'
import type { Role } from '../../core/db/generated/client.js'
import { listenHttp } from '../../core/http/listen.js'
import { addAdminUser } from '../../core/services/staff.js'
import { createApiToken } from '../../core/services/tokens.js'
import { testContext } from '../helpers/app.js'
import type { DbKind } from '../helpers/databases.js'

export const ROLES: Role[] = ['admin', 'operator', 'viewer']
export const PASSWORD = 'correct horse battery staple'

export interface AdminFixture {
  ctx: AppContext
  app: FastifyInstance
  url: string
  tokens: Record<Role, string>
  /** A signed-in browser per role. */
  as: Record<Role, Browser>
  browser(): Browser
  api(method: string, path: string, opts?: { token?: string | null; body?: unknown; role?: Role }): Promise<{ status: number; json: any; text: string; headers: Headers }>
}

/** Cookies and the last form's CSRF token, like a browser (without one). */
export class Browser {
  readonly cookies = new Map<string, string>()
  csrf = ''
  constructor(readonly base: string) {}

  async request(method: string, path: string, form?: Record<string, string | string[]>, headers: Record<string, string> = {}): Promise<{ status: number; text: string; location: string | null; headers: Headers }> {
    const body = form ? new URLSearchParams(Object.entries(form).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x]) : [[k, v]]))).toString() : undefined
    const res = await fetch(this.base + path, {
      method,
      redirect: 'manual',
      headers: {
        ...(this.cookies.size ? { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {}),
        ...(body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...headers,
      },
      body,
    })
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';')
      const i = pair!.indexOf('=')
      const name = pair!.slice(0, i)
      const value = pair!.slice(i + 1)
      if (value === '' || /Max-Age=0|Expires=Thu, 01 Jan 1970/i.test(c)) this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
    const text = await res.text()
    const m = /name="_csrf" value="([^"]+)"/.exec(text)
    if (m) this.csrf = m[1]!
    return { status: res.status, text, location: res.headers.get('location'), headers: res.headers }
  }

  get(path: string, headers?: Record<string, string>) {
    return this.request('GET', path, undefined, headers)
  }

  /** Posts a form with the CSRF token of the last page (fetching `from` first when given). */
  async post(path: string, form: Record<string, string | string[]> = {}, from?: string) {
    if (from) await this.get(from)
    return this.request('POST', path, { _csrf: this.csrf, ...form })
  }

  async login(username: string, password: string) {
    await this.get('/login')
    return this.request('POST', '/login', { _csrf: this.csrf, username, password })
  }
}

export async function adminFixture(t: Test, kind: DbKind, opts: { env?: Record<string, string>; options?: AdminOptions; ctx?: AppContext } = {}): Promise<AdminFixture> {
  const ctx = opts.ctx ?? (await testContext(t, kind, opts.env)).ctx
  const prisma = ctx.db.prisma
  const app = await buildAdmin(ctx, { coaWaitMs: 15_000, ...opts.options })
  const url = await listenHttp(app, '127.0.0.1', 0, 'admin (test)')
  t.teardown(() => app.close())
  const tokens = {} as Record<Role, string>
  const as = {} as Record<Role, Browser>
  for (const role of ROLES) {
    await addAdminUser(prisma, { username: `${role}1`, role, password: PASSWORD }, 'test')
    tokens[role] = (await createApiToken(prisma, { name: `${role} script`, role }, 'test')).token
    as[role] = new Browser(url)
    const r = await as[role].login(`${role}1`, PASSWORD)
    if (r.status !== 303) throw new Error(`${role} could not sign in: ${r.status}`)
  }
  return {
    ctx,
    app,
    url,
    tokens,
    as,
    browser: () => new Browser(url),
    async api(method, path, o = {}) {
      const token = o.token === undefined ? tokens[o.role ?? 'admin'] : o.token
      const res = await fetch(url + path, {
        method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(o.body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: o.body !== undefined ? JSON.stringify(o.body) : undefined,
      })
      const text = await res.text()
      let json: unknown
      try {
        json = JSON.parse(text)
      } catch {
        json = undefined
      }
      return { status: res.status, json, text, headers: res.headers }
    },
  }
}
