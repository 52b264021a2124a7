// Phone verification: ask for a code, type it, ask again. The number travels
// between the pages only sealed (encrypted) in `o`, for a resend; the
// database keeps its keyed hash.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { credentialForConsent, recordConsent } from '../../core/services/consents.js'
import { deviceForMac } from '../../core/services/devices.js'
import { countOtpCheck, OTP_RESEND_AFTER_SECONDS, OTP_TTL_SECONDS, resendOtp, startOtp, verifyOtp, vietnameseMobile, type OtpLimitReason } from '../../core/services/otp.js'
import { checkPost, handToNas, methodsFor, POSTED_CONTEXT_FIELDS, showEntry, showOtp } from '../flow.js'
import type { Translator } from '../i18n.js'
import { first } from '../nas/types.js'
import type { Portal, Visit } from '../runtime.js'
import { nowSeconds } from '../signing.js'

const formBody = {
  type: 'object',
  properties: {
    ...POSTED_CONTEXT_FIELDS,
    o: { type: 'string', maxLength: 1024 },
    phone: { type: 'string', maxLength: 40 },
    code: { type: 'string', maxLength: 20 },
  },
} as const

/** How long the sealed challenge reference of the code page works. */
const PASS_MAX_AGE_SECONDS = OTP_TTL_SECONDS * 6

interface OtpPass {
  iat: number
  /** OtpChallenge.id */
  id: number
  /** E.164, for a resend; absent when the page was reopened from the device's MAC. */
  p?: string
}

// A NAS's or the installation's cap reads to a person like the site's.
const LIMIT_MESSAGE: Record<OtpLimitReason, 'errors.limitPhone' | 'errors.limitMac' | 'errors.limitSite' | 'errors.limitIp'> = {
  phone: 'errors.limitPhone',
  mac: 'errors.limitMac',
  site: 'errors.limitSite',
  nas: 'errors.limitSite',
  installation: 'errors.limitSite',
  ip: 'errors.limitIp',
}

function limitText(tr: Translator, reason: OtpLimitReason, seconds: number): string {
  return tr.t(LIMIT_MESSAGE[reason], { minutes: Math.max(1, Math.ceil(seconds / 60)) })
}

export async function otpRoutes(app: FastifyInstance, portal: Portal) {
  const db = portal.ctx.db.prisma

  async function sendCode(req: FastifyRequest, phone: string, code: string, tr: Translator): Promise<boolean> {
    try {
      await portal.sms.send(phone, tr.t('sms.code', { code }))
      portal.metrics.otpSms.inc({ result: 'sent' })
      return true
    } catch (err) {
      portal.metrics.otpSms.inc({ result: 'failed' })
      req.log.error({ err, gateway: portal.sms.name }, 'verification SMS not sent')
      return false
    }
  }

  function codePageUrl(visit: Visit, pass: string, tr: Translator) {
    return portal.url('/otp', { c: visit.token, o: pass, lang: tr.lang })
  }

  async function codePage(req: FastifyRequest, reply: FastifyReply, visit: Visit, tr: Translator, pass: OtpPass, o: string, errors: Record<string, string> = {}, status = 200) {
    const c = await db.otpChallenge.findUnique({ where: { id: pass.id }, select: { lastSentAt: true } })
    const wait = c ? Math.max(0, Math.ceil((c.lastSentAt.getTime() + OTP_RESEND_AFTER_SECONDS * 1000 - Date.now()) / 1000)) : 0
    return showOtp(portal, req, reply, visit, tr, { o, canResend: pass.p !== undefined, resendWait: wait, errors, status })
  }

  app.post('/otp/send', { schema: { body: formBody } }, async (req, reply) => {
    const checked = await checkPost(portal, req, reply)
    if (!checked.ok) return reply
    const { visit, tr, body } = checked
    const typed = body.phone ?? ''
    const again = (message: string, status: number) => showEntry(portal, req, reply, visit, tr, { errors: { phone: message }, values: { phone: typed }, status })
    if (!methodsFor(visit.site).otp) return again(tr.t('errors.methodOff'), 403)
    const phone = vietnameseMobile(typed)
    if (!phone) return again(tr.t('errors.phoneInvalid'), 400)
    const started = await startOtp(db, portal.ctx.secrets, {
      siteId: visit.site.id,
      nasId: visit.nas.id,
      ip: req.ip,
      phoneE164: phone,
      mac: visit.context.clientMac,
      limits: portal.otpLimits,
    })
    if (started.kind === 'limited') {
      portal.metrics.otpSms.inc({ result: 'limited' })
      portal.metrics.otpSmsRefused.inc({ limit: started.reason })
      req.log.info({ siteId: visit.site.id, reason: started.reason }, 'verification code refused: limit reached')
      return again(limitText(tr, started.reason, started.retryAfterSeconds), 429)
    }
    if (!(await sendCode(req, phone, started.code, tr))) {
      // Not delivered: the challenge must not come back as "code sent".
      await db.otpChallenge.update({ where: { id: started.challenge.id }, data: { expiresAt: new Date() } })
      return again(tr.t('errors.smsFailed'), 502)
    }
    const pass = portal.signer.seal({ iat: nowSeconds(), id: started.challenge.id, p: phone } satisfies OtpPass)
    reply.header('cache-control', 'no-store')
    return reply.code(303).redirect(codePageUrl(visit, pass, tr))
  })

  app.get('/otp', async (req, reply) => {
    const query = req.query as Record<string, unknown>
    const found = await portal.visitFromToken(first(query.c))
    if (!found || found === 'gone') {
      const tr = portal.translator(req)
      return portal.message(reply, tr, { status: 400, title: 'expired.title', lines: [tr.t('expired.text')], page: 'expired' })
    }
    const tr = portal.translator(req, undefined, found.nas.language)
    const o = first(query.o)
    const pass = portal.signer.unseal<OtpPass>(o, PASS_MAX_AGE_SECONDS)
    if (!pass || !o) return showEntry(portal, req, reply, found, tr, { full: true })
    return codePage(req, reply, found, tr, pass, o)
  })

  app.post('/otp/verify', { schema: { body: formBody } }, async (req, reply) => {
    const checked = await checkPost(portal, req, reply)
    if (!checked.ok) return reply
    const { visit, tr, body } = checked
    const pass = portal.signer.unseal<OtpPass>(body.o, PASS_MAX_AGE_SECONDS)
    if (!pass || !body.o) return showEntry(portal, req, reply, visit, tr, { alert: { title: tr.t('errors.codeExpired'), lines: [] }, full: true })
    const fail = (message: string, status = 400) => codePage(req, reply, visit, tr, pass, body.o!, { code: message }, status)
    const typed = (body.code ?? '').replace(/\s/g, '')
    if (!/^\d{6}$/.test(typed)) return fail(tr.t('errors.codeFormat'))
    const ipWait = await countOtpCheck(db, req.ip, portal.otpLimits)
    if (ipWait) return fail(limitText(tr, 'ip', ipWait), 429)
    const result = await verifyOtp(db, portal.ctx.secrets, { challengeId: pass.id, siteId: visit.site.id, mac: visit.context.clientMac, code: typed })
    portal.metrics.otpChecks.inc({ result: result.kind })
    switch (result.kind) {
      case 'wrong':
        return fail(tr.t('errors.codeWrong', { left: result.attemptsLeft }))
      case 'locked':
        return fail(tr.t('errors.codeLocked'))
      case 'expired':
        return fail(tr.t('errors.codeExpired'))
      case 'gone':
        return showEntry(portal, req, reply, visit, tr, { alert: { title: tr.t('errors.codeExpired'), lines: [] }, full: true })
      case 'used': {
        // The same form submitted twice (a double tap) finds the consent its
        // first submit recorded; any other request with this code is a replay.
        const mine = await db.consent.findUnique({ where: { requestKey: `${body.k}:otp` }, include: { device: { select: { mac: true } } } })
        if (!mine || mine.siteId !== visit.site.id || mine.device.mac !== visit.context.clientMac) {
          req.log.info({ nasId: visit.nas.id }, 'a verified phone code used again: refused')
          return showEntry(portal, req, reply, visit, tr, { alert: { title: tr.t('errors.codeExpired'), lines: [] }, full: true })
        }
        const cred = await credentialForConsent(db, portal.ctx.secrets, { consent: mine, nasId: visit.nas.id })
        return handToNas(portal, req, reply, visit, tr, { method: 'otp', username: cred.username, password: cred.password, consent: mine })
      }
      case 'verified': {
        const device = await deviceForMac(db, visit.context.clientMac)
        const { consent } = await recordConsent(db, {
          deviceId: device.id,
          siteId: visit.site.id,
          method: 'otp',
          phoneHash: result.challenge.phoneHash,
          requestKey: `${body.k}:otp`,
        })
        const cred = await credentialForConsent(db, portal.ctx.secrets, { consent, nasId: visit.nas.id })
        return handToNas(portal, req, reply, visit, tr, { method: 'otp', username: cred.username, password: cred.password, consent })
      }
    }
  })

  app.post('/otp/resend', { schema: { body: formBody } }, async (req, reply) => {
    const checked = await checkPost(portal, req, reply)
    if (!checked.ok) return reply
    const { visit, tr, body } = checked
    const pass = portal.signer.unseal<OtpPass>(body.o, PASS_MAX_AGE_SECONDS)
    if (!pass?.p || !body.o) return showEntry(portal, req, reply, visit, tr, { full: true })
    const again = (message: string, status: number) => codePage(req, reply, visit, tr, pass, body.o!, { resend: message }, status)
    const result = await resendOtp(db, portal.ctx.secrets, {
      challengeId: pass.id,
      siteId: visit.site.id,
      nasId: visit.nas.id,
      ip: req.ip,
      mac: visit.context.clientMac,
      phoneE164: pass.p,
      limits: portal.otpLimits,
    })
    switch (result.kind) {
      case 'too-soon':
        return again(tr.t('errors.resendTooSoon', { seconds: result.waitSeconds }), 429)
      case 'limited':
        portal.metrics.otpSms.inc({ result: 'limited' })
        portal.metrics.otpSmsRefused.inc({ limit: result.reason })
        return again(limitText(tr, result.reason, result.retryAfterSeconds), 429)
      case 'gone':
        return showEntry(portal, req, reply, visit, tr, { full: true })
      case 'sent':
        if (!(await sendCode(req, pass.p, result.code, tr))) return again(tr.t('errors.smsFailed'), 502)
        reply.header('cache-control', 'no-store')
        return reply.code(303).redirect(codePageUrl(visit, body.o, tr))
    }
  })
}
