// GET pages: where NAS redirects land, the terms, the result page after a
// MikroTik or openNDS login, the counted link redirect and the site logo.
import fs from 'node:fs'
import type { FastifyInstance } from 'fastify'
import { countLinkClick, siteLinks } from '../../core/services/link-clicks.js'
import { showEntry, showSuccess, termsUrl, type LoginProof } from '../flow.js'
import { authmonAnswer } from '../nas/opennds.js'
import { first } from '../nas/types.js'
import type { Portal } from '../runtime.js'

const queryString = { type: 'object', additionalProperties: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] } } as const

export async function pageRoutes(app: FastifyInstance, portal: Portal) {
  // The NAS sends every browser here with its own query parameters.
  app.get('/', { schema: { querystring: queryString } }, async (req, reply) => {
    const query = req.query as Record<string, unknown>
    const result = await portal.visitFromRequest(req)
    if (result.kind !== 'visit') {
      const tr = portal.translator(req)
      switch (result.kind) {
        case 'none':
          return portal.message(reply, tr, { status: 200, title: 'direct.title', lines: [tr.t('direct.text')], page: 'direct' })
        case 'expired':
          return portal.message(reply, tr, { status: 400, title: 'expired.title', lines: [tr.t('expired.text')], page: 'expired' })
        case 'unknown-nas':
          req.log.warn({ nas: result.name }, 'redirect from a NAS that is not registered')
          return portal.message(reply, tr, { status: 403, title: 'nas.unknownTitle', lines: [tr.t('nas.unknownText', { name: result.name })], page: 'unknown_nas' })
        case 'bad':
          req.log.warn({ problem: result.problem }, 'redirect from a NAS refused')
          return portal.message(reply, tr, { status: 400, title: 'nas.badTitle', lines: [tr.t('nas.badText')], page: 'bad_redirect' })
      }
    }
    const { visit } = result
    const tr = portal.translator(req, undefined, visit.nas.language)
    const ctx = visit.context
    // A fresh redirect whose NAS signs it (CoovaChilli with a UAM secret) proves its res=success / already.
    const proof: LoginProof = result.signed ? { kind: 'nas-signed' } : { kind: 'none' }
    switch (ctx.state) {
      case 'success':
        return showSuccess(portal, req, reply, visit, tr, { timeLeft: ctx.timeLeft, proof })
      case 'already':
        return showSuccess(portal, req, reply, visit, tr, { timeLeft: ctx.timeLeft, already: true, proof })
      case 'logoff': {
        const again = portal.adapter(visit).adapter.canLoginAgain(ctx.login) ? portal.url('/', { c: visit.token, lang: tr.lang }) : undefined
        return portal.message(reply, tr, {
          status: 200,
          title: 'logout.title',
          lines: [tr.t('logout.text')],
          action: again ? { href: again, label: tr.t('logout.again') } : undefined,
          site: visit.site,
          page: 'logged_out',
        })
      }
      case 'failed':
        req.log.info({ nasId: visit.nas.id }, 'the NAS reports a failed login')
        return showEntry(portal, req, reply, visit, tr, {
          alert: { title: tr.t('failed.title'), lines: [ctx.reply ? tr.t('failed.reason', { reason: ctx.reply }) : tr.t('failed.generic'), tr.t('failed.again')] },
        })
      case 'notyet':
        return showEntry(portal, req, reply, visit, tr, { full: first(query.full) === '1' })
    }
  })

  // openNDS level 3's authmon polls the FAS URL (here "/") with a form post;
  // nothing else posts to "/".
  app.post(
    '/',
    {
      schema: {
        body: {
          type: 'object',
          properties: { auth_get: { type: 'string', maxLength: 16 }, gatewayhash: { type: 'string', maxLength: 128 }, payload: { type: 'string', maxLength: 65_536 } },
        },
        response: { 200: { type: 'string' } },
      },
    },
    async (req, reply) => {
      const answer = authmonAnswer(req.body)
      if (answer === undefined) return reply.callNotFound()
      return reply.type('text/plain; charset=utf-8').send(answer)
    },
  )

  // Where MikroTik (dst) and openNDS (redir) send the browser after the login.
  app.get('/done', { schema: { querystring: queryString } }, async (req, reply) => {
    const query = req.query as Record<string, unknown>
    const visit = await portal.visitFromToken(first(query.c))
    if (!visit || visit === 'gone') {
      const tr = portal.translator(req)
      return portal.message(reply, tr, { status: 400, title: 'expired.title', lines: [tr.t('expired.text')], page: 'expired' })
    }
    const tr = portal.translator(req, undefined, visit.nas.language)
    const tl = Number(first(query.tl))
    return showSuccess(portal, req, reply, visit, tr, { timeLeft: Number.isInteger(tl) && tl > 0 ? tl : undefined, proof: { kind: 'ticket', token: first(query.l) } })
  })

  app.get('/terms', { schema: { querystring: queryString } }, async (req, reply) => {
    const query = req.query as Record<string, unknown>
    const found = await portal.visitFromToken(first(query.c))
    const visit = found && found !== 'gone' ? found : undefined
    const tr = portal.translator(req, undefined, visit?.nas.language)
    const terms = await portal.terms()
    portal.metrics.pages.inc({ page: 'terms' })
    return portal.render(reply, 'terms.eta', {
      ...portal.page(tr, tr.t('terms.heading'), { site: visit?.site, toggleUrl: portal.url('/terms', { c: visit?.token, lang: tr.other }) }),
      termsVersion: terms.version,
      termsDate: tr.date(terms.effectiveAt),
      paragraphs: (tr.lang === 'vi' ? terms.bodyVi : terms.bodyEn).split(/\n+/).filter(Boolean),
      backUrl: visit ? portal.url('/', { c: visit.token, lang: tr.lang }) : undefined,
      termsUrl: termsUrl(portal, visit, tr),
    })
  })

  // A splash-page link: counted per site, hour and link, then followed.
  // The target comes from the site's settings, never from the request.
  app.get<{ Params: { site: string; key: string } }>(
    '/go/:site/:key',
    { schema: { params: { type: 'object', required: ['site', 'key'], properties: { site: { type: 'string', pattern: '^[0-9]{1,9}$' }, key: { type: 'string', maxLength: 40 } } } } },
    async (req, reply) => {
      const site = await portal.site(Number(req.params.site))
      const link = site ? siteLinks(site.links).find((l) => l.key === req.params.key) : undefined
      if (!site || !link) {
        const tr = portal.translator(req)
        return portal.message(reply, tr, { status: 404, title: 'notFound.title', lines: [tr.t('notFound.text')], page: 'not_found' })
      }
      await countLinkClick(portal.ctx.db.prisma, site.id, link.key).catch((err) => req.log.error({ err }, 'could not count a link click'))
      portal.metrics.linkClicks.inc({ link: link.key })
      reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer')
      return reply.code(302).redirect(link.url)
    },
  )

  app.get<{ Params: { site: string } }>(
    '/logo/:site',
    { schema: { params: { type: 'object', required: ['site'], properties: { site: { type: 'string', pattern: '^[0-9]{1,9}$' } } } } },
    async (req, reply) => {
      const site = await portal.site(Number(req.params.site))
      const logo = site ? portal.logoFile(site) : null
      if (!logo) return reply.code(302).redirect(portal.defaultLogoUrl)
      const ext = logo.file.split('.').pop()!.toLowerCase()
      const type = ext === 'svg' ? 'image/svg+xml' : ext === 'png' ? 'image/png' : ext === 'webp' ? 'image/webp' : 'image/jpeg'
      reply.header('cache-control', 'public, max-age=31536000, immutable').header('x-content-type-options', 'nosniff')
      // An SVG is a document: no script in it may run.
      reply.header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
      return reply.type(type).send(fs.createReadStream(logo.file))
    },
  )
}
