// Pages: the translator for a request, the layout (navigation, language
// toggle, who is signed in) and reply.page(), which renders blocks or an
// area's own view inside it.
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Problem } from '../core/errors.js'
import { fill, pickLang, Translator, type Lang } from '../core/i18n.js'
import { PROJECT_ROOT } from '../core/db/migrations.js'
import { CATALOGUE, type MessageKey, type Messages } from './locales/index.js'
import { ERRORS_VI } from './locales/errors-vi.js'
import { NAV } from './nav.js'
import { allows } from './roles.js'
import type { Block } from './ui.js'

export const ADMIN_DIR = path.join(PROJECT_ROOT, 'admin')
export const STATIC_DIR = path.join(ADMIN_DIR, 'static')
export const LANG_COOKIE = 'cw_lang'

export class AdminTranslator extends Translator<Messages> {
  constructor(lang: Lang, timeZone: string) {
    super(lang, CATALOGUE, timeZone)
  }

  /** A service's problem in this language: Vietnamese from errors-vi.ts, else the service's English message. */
  problem(p: Problem): string {
    if (this.lang === 'vi' && p.key && ERRORS_VI[p.key]) return fill(ERRORS_VI[p.key]!, p.vars)
    return p.message
  }

  /** "—" for nothing, else the date and time in the configured zone. */
  when(d: Date | null | undefined): string {
    return d ? this.dateTime(d) : '—'
  }
}

function fileVersion(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex').slice(0, 10)
}

export interface PageOptions {
  status?: number
  /** An area's own view (relative to admin/), rendered inside the layout; blocks are then ignored. */
  view?: string
  /** What that view reads as `it.model`. */
  model?: object
  /** A page without the layout's navigation (print sheets). */
  bare?: boolean
  /** Reloads itself after this many seconds (progress of a long job; no JavaScript needed). */
  refresh?: number
}

declare module 'fastify' {
  interface FastifyRequest {
    tr: AdminTranslator
  }
  interface FastifyReply {
    /** Renders a page: a title and blocks (or PageOptions.view) inside the layout. */
    page(title: string, blocks: Block[], options?: PageOptions): Promise<FastifyReply>
  }
}

/** Makes request.tr and reply.page; registered once by admin/app.ts, seen by every area. */
export const renderPlugin = fp(
  async (app: FastifyInstance, opts: { timeZone: string }) => {
    const cssUrl = `/static/admin.css?v=${fileVersion(path.join(STATIC_DIR, 'admin.css'))}`
    const jsUrl = `/static/admin.js?v=${fileVersion(path.join(STATIC_DIR, 'admin.js'))}`
    app.decorateRequest('tr', null as unknown as AdminTranslator)
    app.addHook('onRequest', async (req) => {
      const query = req.query as Record<string, unknown> | undefined
      req.tr = new AdminTranslator(pickLang(query?.lang ?? req.cookies[LANG_COOKIE], req.headers['accept-language']), opts.timeZone)
    })

    app.decorateReply('page', async function (this: FastifyReply, title: string, blocks: Block[], options: PageOptions = {}) {
      const req = this.request
      const tr = req.tr
      const staff = req.staff
      const here = req.url.split('?', 1)[0]!
      const nav = staff
        ? NAV.filter((n) => allows(n.access, staff.role) && app.hasRoute({ method: 'GET', url: n.href })).map((n) => ({
            href: n.href,
            label: tr.t(n.label),
            active: n.href === '/' ? here === '/' : here === n.href || here.startsWith(`${n.href}/`),
          }))
        : []
      const csrf = this.generateCsrf({ secure: req.protocol === 'https' })
      const model = {
        t: (key: MessageKey, vars?: Record<string, string | number>) => tr.t(key, vars),
        lang: tr.lang,
        other: tr.other,
        title,
        staff: staff && staff.kind === 'session' ? { username: staff.username, role: tr.t(`role.${staff.role}`) } : null,
        nav,
        toggleUrl: `/lang/${tr.other}?next=${encodeURIComponent(req.url)}`,
        cssUrl,
        jsUrl,
        csrf,
        bare: options.bare ?? false,
        refresh: options.refresh,
        blocks,
        model: options.model ?? {},
        view: options.view,
      }
      this.code(options.status ?? 200)
      this.header('cache-control', 'no-store')
      this.type('text/html; charset=utf-8')
      return this.send(await this.viewAsync('views/page.eta', model))
    })
  },
  { name: 'citywifi-admin-render', dependencies: ['@fastify/cookie', '@fastify/csrf-protection', '@fastify/view'] },
)

/** A local path to go back to after a language switch or sign-in; anything else goes home. */
export function localPath(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])/.test(next) && next.length < 2000 ? next : '/'
}

export type { FastifyRequest }
