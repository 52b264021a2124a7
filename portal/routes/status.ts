// The status page (time and data left, log out), the page after a log-out,
// and the RFC 8908 Captive Portal API.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { allowanceFor } from '../../core/services/allowance.js'
import { POSTED_CONTEXT_FIELDS } from '../flow.js'
import type { Translator } from '../i18n.js'
import { adapterOf } from '../nas/index.js'
import { first } from '../nas/types.js'
import type { Portal, StatusClaims } from '../runtime.js'
import { isCrossSitePost } from '../security.js'
import { checkCsrfToken } from '../signing.js'

/** The RFC 8908 media type. */
export const CAPTIVE_JSON = 'application/captive+json'
export const CAPTIVE_API_PATH = '/api/captive-portal'

/** A pass this young still says "just logged in" even before the NAS's accounting arrives. */
const FRESH_SECONDS = 120

// A Buffer keeps fastify from adding "; charset=utf-8" to the +json type.
const json = (v: unknown) => Buffer.from(JSON.stringify(v))

interface Found {
  deviceId: number
  siteId: number
  claims?: StatusClaims
}

export async function statusRoutes(app: FastifyInstance, portal: Portal) {
  const db = portal.ctx.db.prisma

  /**
   * The device this request is about: from the status pass, else from an open
   * session at the client's address, looked for only at the NAS the request
   * came through (a registered address or network the source belongs to):
   * an address seen at one access point says nothing of another's clients.
   */
  async function whose(req: FastifyRequest, token: unknown): Promise<Found | undefined> {
    const claims = portal.verifyStatus(token)
    if (claims) return { deviceId: claims.d, siteId: claims.s, claims }
    const nas = await portal.nas.find(undefined, req.ip)
    if (!nas) return undefined
    const session = await db.session.findFirst({
      where: { nasId: nas.id, framedIp: req.ip, stoppedAt: null, deviceId: { not: null } },
      orderBy: { startedAt: 'desc' },
      select: { deviceId: true, siteId: true },
    })
    return session?.deviceId ? { deviceId: session.deviceId, siteId: session.siteId } : undefined
  }

  async function statusPage(req: FastifyRequest, reply: FastifyReply, tr: Translator, found: Found, token: string | undefined) {
    const site = await portal.site(found.siteId)
    const a = await allowanceFor(db, { deviceId: found.deviceId, siteId: found.siteId }, portal.ctx.config.timeZone)
    const fresh = found.claims ? Date.now() / 1000 - found.claims.iat < FRESH_SECONDS : false
    portal.metrics.pages.inc({ page: 'status' })
    return portal.render(
      reply,
      'status.eta',
      {
        ...portal.page(tr, tr.t('status.title'), { site, toggleUrl: portal.url('/status', { s: token, lang: tr.other }) }),
        online: a.sessionOpen || fresh,
        timeLeft: a.secondsLeft === null ? tr.t('status.unlimited') : tr.duration(a.secondsLeft),
        dataLeft: a.bytesLeft === null ? tr.t('status.unlimited') : tr.bytes(a.bytesLeft),
        since: a.session ? tr.dateTime(a.session.startedAt) : undefined,
        used: a.session ? `${tr.duration(a.session.seconds)} · ${tr.bytes(a.session.octets)}` : undefined,
        form: token && found.claims ? portal.form(req, token, tr.lang) : undefined,
        refreshUrl: portal.url('/status', { s: token, lang: tr.lang }),
      },
      { formOrigins: found.claims ? adapterOf(found.claims.x).origins(found.claims.x) : [] },
    )
  }

  app.get('/status', async (req, reply) => {
    const query = req.query as Record<string, unknown>
    const token = first(query.s)
    const found = await whose(req, token)
    const tr = portal.translator(req)
    if (!found) {
      // RFC 6585: the client asked for something it may have only after signing in.
      return portal.message(reply, tr, { status: 511, title: 'auth.title', lines: [tr.t('auth.text'), tr.t('direct.text')], page: 'status_unknown' })
    }
    return statusPage(req, reply, tr, found, found.claims ? token : undefined)
  })

  app.post(
    '/logout',
    { schema: { body: { type: 'object', properties: POSTED_CONTEXT_FIELDS } } },
    async (req, reply) => {
      const body = (req.body ?? {}) as Record<string, string | undefined>
      const tr = portal.translator(req, body.lang)
      const claims = portal.verifyStatus(body.c)
      const k = body.k && /^[A-Za-z0-9_-]{16,64}$/.test(body.k) ? body.k : undefined
      if (!claims || !k || isCrossSitePost(req, (h) => portal.isPortalHost(h)) || !checkCsrfToken(portal.signer, body.t, { formKey: k, context: body.c!, ip: req.ip })) {
        return portal.message(reply, tr, { status: 400, title: 'expired.title', lines: [tr.t('expired.text')], page: 'expired' })
      }
      if (adapterOf(claims.x).portalSessionId(claims.x)) {
        // The portal recorded this session (openNDS has no accounting): it closes it too.
        const now = new Date()
        await db.session.updateMany({ where: { nasId: claims.n, deviceId: claims.d, stoppedAt: null }, data: { stoppedAt: now, updatedAt: now, closeReason: 'stop', terminateCause: 'User-Request' } })
      }
      req.log.info({ nasId: claims.n, siteId: claims.s }, 'log out handed to the NAS')
      reply.header('cache-control', 'no-store')
      return reply.code(303).redirect(adapterOf(claims.x).logoutUrl(claims.x))
    },
  )

  // Where a NAS's own log-out page can send the browser (MikroTik logout.html, openNDS).
  app.get('/bye', async (req, reply) => {
    const tr = portal.translator(req)
    return portal.message(reply, tr, { status: 200, title: 'logout.title', lines: [tr.t('logout.text')], page: 'logged_out' })
  })

  // RFC 8908: the client's own state, found by its address (an open session
  // at that address), or by a status pass in ?s=. Announce this URL with
  // DHCP option 114 / RA option 37 (RFC 8910): docs/portal.md.
  app.get(CAPTIVE_API_PATH, async (req, reply) => {
    const query = req.query as Record<string, unknown>
    const found = await whose(req, first(query.s))
    reply.header('cache-control', 'private, no-store').header('content-type', CAPTIVE_JSON)
    const portalUrl = `${portal.publicUrl}/`
    if (!found) {
      const nas = await portal.nas.find(undefined, req.ip)
      const site = nas ? await portal.site(nas.siteId) : null
      return reply.send(json({ captive: true, 'user-portal-url': portalUrl, ...(site?.landingUrl ? { 'venue-info-url': site.landingUrl } : {}) }))
    }
    const [a, site] = await Promise.all([allowanceFor(db, { deviceId: found.deviceId, siteId: found.siteId }, portal.ctx.config.timeZone), portal.site(found.siteId)])
    const body: Record<string, unknown> = {
      captive: !a.sessionOpen,
      'user-portal-url': a.sessionOpen && found.claims ? `${portal.publicUrl}${portal.url('/status', { s: first(query.s) })}` : portalUrl,
    }
    if (site?.landingUrl) body['venue-info-url'] = site.landingUrl
    if (a.sessionOpen) {
      if (a.secondsLeft !== null) body['seconds-remaining'] = a.secondsLeft
      if (a.bytesLeft !== null) body['bytes-remaining'] = Number(a.bytesLeft)
      // Logging in again after the session ends is always possible at a free hotspot.
      body['can-extend-session'] = true
    }
    return reply.send(json(body))
  })
}
