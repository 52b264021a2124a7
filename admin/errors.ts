// Errors in one place: JSON for /api/v1 ({"error", "message"}), a page in
// the person's language for the rest. Bad input keeps its field; nothing of
// a secret or a stack trace reaches the client.
import type { FastifyError, FastifyInstance } from 'fastify'
import { ConflictError, InputError, NotFoundError } from '../core/errors.js'
import { apiError, isApi } from './auth/plugin.js'

export function registerErrorHandlers(app: FastifyInstance) {
  app.setErrorHandler(async (err: FastifyError, req, reply) => {
    const api = isApi(req.url)
    const tr = req.tr
    if (err instanceof InputError) {
      const status = err instanceof ConflictError ? 409 : 400
      if (api) {
        return apiError(reply, status, status === 409 ? 'conflict' : 'invalid', err.message, {
          field: err.field,
          problems: err.problems.map((p) => ({ field: p.field, message: p.message })),
        })
      }
      return reply.page(tr.t('error.invalidTitle'), [...err.problems.map((p) => ({ kind: 'notice' as const, tone: 'error' as const, text: tr.problem(p), test: 'error' })), { kind: 'actions', links: [{ href: '/', label: tr.t('nav.home') }] }], { status })
    }
    if (err instanceof NotFoundError) {
      if (api) return apiError(reply, 404, 'not_found', err.message)
      return reply.page(tr.t('error.notFoundTitle'), [{ kind: 'notice', tone: 'error', text: tr.problem({ message: err.message }), test: 'not-found' }], { status: 404 })
    }
    if (err.code === 'FST_CSRF_INVALID_TOKEN' || err.code === 'FST_CSRF_MISSING_SECRET') {
      req.log.info({ path: req.url.split('?', 1)[0] }, 'form refused: CSRF token missing or wrong')
      return reply.page(tr.t('error.csrfTitle'), [{ kind: 'notice', tone: 'error', text: tr.t('error.csrfText'), test: 'csrf' }], { status: 403 })
    }
    if (err.statusCode === 429) {
      if (api) return apiError(reply, 429, 'rate_limited', 'too many requests: wait a minute')
      return reply.page(tr.t('login.title'), [{ kind: 'notice', tone: 'error', text: tr.t('login.tooFast'), test: 'login-error' }, { kind: 'actions', links: [{ href: '/login', label: tr.t('login.submit') }] }], { status: 429 })
    }
    if (err.validation || (err.statusCode && err.statusCode >= 400 && err.statusCode < 500)) {
      const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 400
      if (api) return apiError(reply, status, status === 413 ? 'too_large' : 'invalid', err.message)
      return reply.page(tr.t('error.invalidTitle'), [{ kind: 'notice', tone: 'error', text: tr.t('error.badRequest'), test: 'error' }], { status })
    }
    req.log.error({ err, path: req.url.split('?', 1)[0] }, 'admin request failed')
    if (api) return apiError(reply, 500, 'internal', 'something went wrong on the server; it is in the log')
    return reply.page(tr.t('error.serverTitle'), [{ kind: 'notice', tone: 'error', text: tr.t('error.serverText') }], { status: 500 })
  })

  app.setNotFoundHandler(async (req, reply) => {
    if (isApi(req.url)) return apiError(reply, 404, 'not_found', `no route ${req.method} ${req.url.split('?', 1)[0]}`)
    return reply.page(req.tr.t('error.notFoundTitle'), [{ kind: 'notice', tone: 'error', text: req.tr.t('error.notFoundText'), test: 'not-found' }], { status: 404 })
  })
}
