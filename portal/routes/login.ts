// POST /login: click-through, a returning device's one tap, or a voucher.
import type { FastifyInstance } from 'fastify'
import { activeConsent, credentialForConsent, recordConsent } from '../../core/services/consents.js'
import { deviceForMac } from '../../core/services/devices.js'
import { looksLikeVoucherCode, normalizeVoucherCode } from '../../core/voucher-code.js'
import { checkPost, handToNas, methodsFor, POSTED_CONTEXT_FIELDS, returningMethods, showEntry } from '../flow.js'
import type { Portal } from '../runtime.js'

const formBody = {
  type: 'object',
  properties: {
    ...POSTED_CONTEXT_FIELDS,
    method: { type: 'string', enum: ['click', 'return', 'voucher'] },
    code: { type: 'string', maxLength: 64 },
  },
} as const

/** Wrong voucher codes per device and per client address in 15 minutes. */
const VOUCHER_TRIES_PER_MAC = 10
const VOUCHER_TRIES_PER_IP = 60
const WINDOW_MS = 15 * 60_000

export async function loginRoutes(app: FastifyInstance, portal: Portal) {
  const db = portal.ctx.db.prisma

  app.post('/login', { schema: { body: formBody } }, async (req, reply) => {
    const checked = await checkPost(portal, req, reply)
    if (!checked.ok) return reply
    const { visit, tr, body } = checked
    const methods = methodsFor(visit.site)
    const mac = visit.context.clientMac

    if (body.method === 'click' || body.method === 'return') {
      let consent
      if (body.method === 'click') {
        if (!methods.click) return showEntry(portal, req, reply, visit, tr, { alert: { title: tr.t('errors.methodOff'), lines: [] }, status: 403, full: true })
        const device = await deviceForMac(db, mac)
        consent = (await recordConsent(db, { deviceId: device.id, siteId: visit.site.id, method: 'click_through', requestKey: `${body.k}:click` })).consent
      } else {
        const device = await db.device.findUnique({ where: { mac } })
        consent = device ? await activeConsent(db, { deviceId: device.id, siteId: visit.site.id, methods: returningMethods(methods) }) : null
        if (!consent) return showEntry(portal, req, reply, visit, tr, { full: true })
      }
      const cred = await credentialForConsent(db, portal.ctx.secrets, { consent, nasId: visit.nas.id })
      return handToNas(portal, req, reply, visit, tr, { method: consent.method, username: cred.username, password: cred.password, consent })
    }

    // Voucher. RADIUS is the authority on its time and devices; here a typo,
    // an unknown, withdrawn or expired code gets a clear answer at the field.
    const typed = body.code ?? ''
    const again = (message: string, status = 400) =>
      showEntry(portal, req, reply, visit, tr, { errors: { code: message }, values: { code: typed }, status })
    if (!methods.voucher) return again(tr.t('errors.methodOff'), 403)
    const waitMac = portal.windows.peek(`voucher:mac:${mac}`, VOUCHER_TRIES_PER_MAC, WINDOW_MS)
    const waitIp = portal.windows.peek(`voucher:ip:${req.ip}`, VOUCHER_TRIES_PER_IP, WINDOW_MS)
    if (waitMac || waitIp) return again(tr.t('errors.voucherLimited', { minutes: Math.ceil(Math.max(waitMac, waitIp) / 60) }), 429)
    const wrong = (message: string) => {
      portal.windows.hit(`voucher:mac:${mac}`, VOUCHER_TRIES_PER_MAC, WINDOW_MS)
      portal.windows.hit(`voucher:ip:${req.ip}`, VOUCHER_TRIES_PER_IP, WINDOW_MS)
      return again(message)
    }
    if (!looksLikeVoucherCode(typed)) return wrong(tr.t('errors.voucherFormat'))
    const code = normalizeVoucherCode(typed)
    const voucher = await db.voucher.findUnique({ where: { code } })
    if (!voucher) return wrong(tr.t('errors.voucherUnknown'))
    if (voucher.revokedAt) return wrong(tr.t('errors.voucherRevoked'))
    if (voucher.validUntil && voucher.validUntil <= new Date()) return wrong(tr.t('errors.voucherExpired', { date: tr.date(voucher.validUntil) }))
    if (voucher.siteId !== null && voucher.siteId !== visit.site.id) return wrong(tr.t('errors.voucherOtherSite'))
    const { adapter } = portal.adapter(visit)
    if (adapter.portalSessionId(visit.context.login)) {
      // No RADIUS behind this NAS: the portal applies RADIUS's voucher rules itself.
      const admitted = await portal.vouchers.admit({ code, mac, nas: visit.nas })
      if (!admitted.ok) {
        req.log.info({ nasId: visit.nas.id, reason: admitted.reason }, 'voucher refused for a NAS without RADIUS')
        const why = admitted.reason === 'quota_used' ? 'errors.voucherUsedUp' : admitted.reason === 'revoked' ? 'errors.voucherRevoked' : admitted.reason === 'unknown_user' ? 'errors.voucherUnknown' : admitted.reason === 'expired' ? 'errors.voucherExpired' : 'errors.voucherDevices'
        return again(tr.t(why, { date: voucher.validUntil ? tr.date(voucher.validUntil) : '' }), 403)
      }
    }
    const device = await deviceForMac(db, mac)
    const { consent } = await recordConsent(db, { deviceId: device.id, siteId: visit.site.id, method: 'voucher', requestKey: `${body.k}:voucher` })
    return handToNas(portal, req, reply, visit, tr, { method: 'voucher', username: code, password: code, consent, voucherId: voucher.id })
  })
}
