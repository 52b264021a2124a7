// Sign in, sign out, the language switch, and one's own password.
import type { FastifyInstance } from 'fastify'
import type { AppContext } from '../../core/context.js'
import { InputError } from '../../core/errors.js'
import { login, logout, SESSION_ABSOLUTE_HOURS } from '../../core/services/admin-sessions.js'
import { changeOwnPassword } from '../../core/services/staff.js'
import { isLang } from '../../core/i18n.js'
import { LANG_COOKIE, localPath, type AdminTranslator } from '../render.js'
import { markErrors, type FormModel } from '../ui.js'
import { SESSION_COOKIE, staffFromCookie } from './plugin.js'

/** Sign-in attempts per client address and minute (the database lockout counts failures over longer). */
export const LOGIN_RATE_PER_MINUTE = 10

const loginBody = {
  type: 'object',
  properties: { username: { type: 'string', maxLength: 200 }, password: { type: 'string', maxLength: 1000 }, next: { type: 'string', maxLength: 2000 }, _csrf: { type: 'string' } },
} as const

export async function authPages(app: FastifyInstance, { ctx }: { ctx: AppContext }) {
  const prisma = ctx.db.prisma

  const loginForm = (tr: AdminTranslator, next: string, username = ''): FormModel => ({
    action: '/login',
    test: 'login-form',
    fields: [
      { name: 'username', label: tr.t('login.username'), type: 'text', value: username, required: true, autocomplete: 'username' },
      { name: 'password', label: tr.t('login.password'), type: 'password', required: true, autocomplete: 'current-password' },
      { name: 'next', label: '', type: 'hidden', value: next },
    ],
    submit: tr.t('login.submit'),
  })

  app.get('/login', { config: { access: 'public' }, schema: { hide: true, querystring: { type: 'object', properties: { next: { type: 'string' } } } } }, async (req, reply) => {
    const next = localPath((req.query as { next?: string }).next)
    if (await staffFromCookie(ctx, req)) return reply.redirect(next, 303)
    return reply.page(req.tr.t('login.title'), [{ kind: 'form', form: loginForm(req.tr, next) }])
  })

  app.post(
    '/login',
    {
      config: { access: 'public', rateLimit: { max: LOGIN_RATE_PER_MINUTE, timeWindow: 60_000 } },
      schema: { hide: true, body: loginBody },
    },
    async (req, reply) => {
      const body = req.body as { username?: string; password?: string; next?: string }
      const next = localPath(body.next)
      const tr = req.tr
      const result = await login(prisma, { username: body.username ?? '', password: body.password ?? '', ip: req.ip, userAgent: req.headers['user-agent'] })
      if (!result.ok) {
        const text = result.reason === 'locked' ? tr.t('login.locked', { minutes: Math.ceil((result.retryAfterSeconds ?? 60) / 60) }) : tr.t('login.invalid')
        if (result.reason === 'locked') reply.header('retry-after', String(result.retryAfterSeconds ?? 60))
        return reply.page(tr.t('login.title'), [{ kind: 'notice', tone: 'error', text, test: 'login-error' }, { kind: 'form', form: loginForm(tr, next, body.username ?? '') }], {
          status: result.reason === 'locked' ? 429 : 401,
        })
      }
      const secure = req.protocol === 'https'
      reply.setCookie(SESSION_COOKIE, result.token, { httpOnly: true, sameSite: 'strict', secure, path: '/', maxAge: SESSION_ABSOLUTE_HOURS * 3600 })
      // A new CSRF secret for the new session (no token from before sign-in carries over).
      reply.clearCookie('_csrf', { path: '/' })
      return reply.redirect(next, 303)
    },
  )

  app.post('/logout', { config: { access: 'account' }, schema: { hide: true } }, async (req, reply) => {
    if (req.staff) await logout(prisma, { userId: req.staff.userId!, username: req.staff.username!, role: req.staff.role, sessionId: req.staff.sessionId! }, req.ip)
    reply.clearCookie(SESSION_COOKIE, { path: '/' })
    return reply.redirect('/login', 303)
  })

  // The language toggle: remembered in a cookie, then back to the page.
  app.get('/lang/:lang', { config: { access: 'public' }, schema: { hide: true, params: { type: 'object', properties: { lang: { type: 'string' } } } } }, async (req, reply) => {
    const { lang } = req.params as { lang: string }
    if (isLang(lang)) reply.setCookie(LANG_COOKIE, lang, { path: '/', maxAge: 365 * 86400, sameSite: 'lax', httpOnly: true, secure: req.protocol === 'https' })
    return reply.redirect(localPath((req.query as { next?: string }).next), 303)
  })

  const passwordForm = (tr: AdminTranslator): FormModel => ({
    action: '/account/password',
    test: 'password-form',
    fields: [
      { name: 'current', label: tr.t('account.current'), type: 'password', required: true, autocomplete: 'current-password' },
      { name: 'next', label: tr.t('account.new'), type: 'password', required: true, autocomplete: 'new-password', hint: tr.t('account.newHint') },
    ],
    submit: tr.t('account.change'),
  })

  app.get('/account', { config: { access: 'account' }, schema: { hide: true } }, async (req, reply) => {
    const tr = req.tr
    return reply.page(tr.t('account.title'), [
      { kind: 'dl', items: [{ term: tr.t('account.username'), detail: req.staff!.username! }, { term: tr.t('account.role'), detail: tr.t(`role.${req.staff!.role}`) }] },
      { kind: 'heading', text: tr.t('account.passwordHeading') },
      { kind: 'form', form: passwordForm(tr) },
    ])
  })

  app.post(
    '/account/password',
    { config: { access: 'account' }, schema: { hide: true, body: { type: 'object', properties: { current: { type: 'string' }, next: { type: 'string' } } } } },
    async (req, reply) => {
      const tr = req.tr
      const body = req.body as { current?: string; next?: string }
      const form = passwordForm(tr)
      try {
        if (req.staff!.kind !== 'session') throw new InputError('only a signed-in staff member has a password', 'current')
        await changeOwnPassword(prisma, { userId: req.staff!.userId!, current: body.current ?? '', next: body.next ?? '', keepSessionId: req.staff!.sessionId }, req.actor)
      } catch (err) {
        if (!(err instanceof InputError)) throw err
        const loose = markErrors(form, err.problems, (p) => tr.problem(p))
        return reply.page(tr.t('account.title'), [...loose.map((text) => ({ kind: 'notice' as const, tone: 'error' as const, text })), { kind: 'form', form }], { status: 400 })
      }
      return reply.page(tr.t('account.title'), [{ kind: 'notice', tone: 'ok', text: tr.t('account.changed'), test: 'password-changed' }])
    },
  )
}
