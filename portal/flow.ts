// The pages of a login and the hand-over to the NAS, shared by the routes.
import type { FastifyReply, FastifyRequest } from 'fastify'
import { storeRecords } from '../core/accounting/apply.js'
import type { Consent, LoginMethod } from '../core/db/generated/client.js'
import { deviceStanding } from '../core/services/consents.js'
import { OTP_MAX_ATTEMPTS, OTP_RESEND_AFTER_SECONDS } from '../core/services/otp.js'
import type { Translator } from './i18n.js'
import type { Portal, Visit } from './runtime.js'
import { checkCsrfToken } from './signing.js'
import { isCrossSitePost } from './security.js'

export interface Methods {
  click: boolean
  otp: boolean
  voucher: boolean
}

/** The login choices a site's settings allow. The Directive 66 mode (otpRequired) leaves no click-through. */
export function methodsFor(site: Visit['site']): Methods {
  return {
    click: site.allowClickThrough && !site.otpRequired,
    otp: site.allowOtp || site.otpRequired,
    voucher: site.allowVoucher,
  }
}

/** Consent methods that let a returning device through with one tap at this site. */
export function returningMethods(m: Methods): LoginMethod[] {
  const out: LoginMethod[] = []
  if (m.click) out.push('click_through')
  if (m.otp) out.push('otp')
  return out
}

export interface EntryOptions {
  errors?: Record<string, string>
  values?: Record<string, string>
  alert?: { title: string; lines: string[] }
  status?: number
  /** Show every choice even for a returning device or a verification in progress. */
  full?: boolean
}

export function toggleUrl(portal: Portal, visit: Visit, tr: Translator, pathname = '/', extra: Record<string, string | undefined> = {}): string {
  return portal.url(pathname, { c: visit.token, ...extra, lang: tr.other })
}

export function termsUrl(portal: Portal, visit: Visit | undefined, tr: Translator): string {
  return portal.url('/terms', { c: visit?.token, lang: tr.lang })
}

/** The first page of a login: one tap for a returning device, the code entry for a verification in progress, else the splash. */
export async function showEntry(portal: Portal, req: FastifyRequest, reply: FastifyReply, visit: Visit, tr: Translator, opts: EntryOptions = {}) {
  const db = portal.ctx.db.prisma
  const methods = methodsFor(visit.site)
  const quiet = !opts.errors && !opts.alert && !opts.full
  if (quiet) {
    const standing = await deviceStanding(db, {
      mac: visit.context.clientMac,
      siteId: visit.site.id,
      termsId: (await portal.terms()).id,
      methods: returningMethods(methods),
      withOtp: methods.otp,
      maxOtpAttempts: OTP_MAX_ATTEMPTS,
    })
    if (standing.consent) return showReturning(portal, req, reply, visit, tr, standing.consent)
    if (standing.otp) {
      const o = portal.signer.seal({ id: standing.otp.id, iat: Math.floor(Date.now() / 1000) })
      const wait = Math.max(0, Math.ceil((standing.otp.lastSentAt.getTime() + OTP_RESEND_AFTER_SECONDS * 1000 - Date.now()) / 1000))
      return showOtp(portal, req, reply, visit, tr, { o, resumed: true, canResend: false, resendWait: wait })
    }
  }
  return showSplash(portal, req, reply, visit, tr, methods, opts)
}

export async function showSplash(portal: Portal, req: FastifyRequest, reply: FastifyReply, visit: Visit, tr: Translator, methods: Methods, opts: EntryOptions) {
  const terms = await portal.terms()
  const minutes = visit.site.policy?.sessionMinutes
  portal.metrics.pages.inc({ page: opts.errors || opts.alert ? 'splash_again' : 'splash' })
  return portal.render(
    reply,
    'splash.eta',
    {
      ...portal.page(tr, tr.t('splash.title'), { site: visit.site, toggleUrl: toggleUrl(portal, visit, tr), termsUrl: termsUrl(portal, visit, tr) }),
      notice: minutes ? tr.t('splash.notice', { duration: tr.duration(minutes * 60) }) : tr.t('splash.noticeNoLimit'),
      methods,
      otpRequired: visit.site.otpRequired,
      form: portal.form(req, visit.token, tr.lang),
      errors: opts.errors ?? {},
      values: opts.values ?? {},
      alert: opts.alert,
      termsVersion: terms.version,
      termsSummary: tr.lang === 'vi' ? terms.summaryVi : terms.summaryEn,
      termsUrl: termsUrl(portal, visit, tr),
      links: portal.links(visit.site, tr),
    },
    { formOrigins: portal.formOrigins(visit) },
    opts.status ?? 200,
  )
}

export async function showReturning(portal: Portal, req: FastifyRequest, reply: FastifyReply, visit: Visit, tr: Translator, consent: Pick<Consent, 'expiresAt'>) {
  portal.metrics.pages.inc({ page: 'returning' })
  return portal.render(
    reply,
    'returning.eta',
    {
      ...portal.page(tr, tr.t('returning.title'), { site: visit.site, toggleUrl: toggleUrl(portal, visit, tr), termsUrl: termsUrl(portal, visit, tr) }),
      form: portal.form(req, visit.token, tr.lang),
      validUntil: tr.date(consent.expiresAt),
      otherUrl: portal.url('/', { c: visit.token, full: '1', lang: tr.lang }),
      links: portal.links(visit.site, tr),
    },
    { formOrigins: portal.formOrigins(visit) },
  )
}

export async function showOtp(
  portal: Portal,
  req: FastifyRequest,
  reply: FastifyReply,
  visit: Visit,
  tr: Translator,
  input: { o: string; resumed?: boolean; canResend: boolean; resendWait: number; errors?: Record<string, string>; status?: number },
) {
  portal.metrics.pages.inc({ page: 'otp' })
  return portal.render(
    reply,
    'otp.eta',
    {
      ...portal.page(tr, tr.t('otp.codeTitle'), { site: visit.site, toggleUrl: toggleUrl(portal, visit, tr, '/otp', { o: input.o }), termsUrl: termsUrl(portal, visit, tr) }),
      form: portal.form(req, visit.token, tr.lang, { o: input.o }),
      resumed: input.resumed ?? false,
      canResend: input.canResend,
      resendWait: input.resendWait,
      errors: input.errors ?? {},
      otherNumberUrl: portal.url('/', { c: visit.token, full: '1', lang: tr.lang }),
    },
    { formOrigins: portal.formOrigins(visit) },
    input.status ?? 200,
  )
}

/**
 * Why this browser may see its device's status: the NAS said so in a signed
 * redirect (CoovaChilli's res=success with md), or it carries the ticket of
 * its own login form (`l`).
 */
export type LoginProof = { kind: 'nas-signed' } | { kind: 'ticket'; token: unknown } | { kind: 'none' }

/**
 * The status pass, only once the login is proved: the NAS signed it, or the
 * ticket's credential was accepted by RADIUS from this device (usedAt), its
 * voucher was bound to this device by RADIUS, or (a NAS without RADIUS) the
 * portal recorded the session. Reads only: a GET makes no rows.
 */
async function statusPass(portal: Portal, visit: Visit, proof: LoginProof): Promise<string | undefined> {
  if (proof.kind === 'none') return undefined
  const db = portal.ctx.db.prisma
  const device = await db.device.findUnique({ where: { mac: visit.context.clientMac }, select: { id: true } })
  if (!device) return undefined
  const sign = () => portal.signStatus({ deviceId: device.id, siteId: visit.site.id, nas: visit.nas, context: visit.context })
  if (proof.kind === 'nas-signed') return sign()
  const ticket = portal.verifyTicket(proof.token)
  if (!ticket || ticket.d !== device.id || ticket.n !== visit.nas.id) return undefined
  const sessionId = portal.adapter(visit).adapter.portalSessionId(visit.context.login)
  if (sessionId) {
    const recorded = await db.session.count({ where: { nasId: visit.nas.id, acctSessionId: sessionId, deviceId: device.id } })
    return recorded > 0 ? sign() : undefined
  }
  if (ticket.u !== undefined) {
    const used = await db.credential.count({ where: { username: ticket.u, deviceId: device.id, nasId: visit.nas.id, usedAt: { not: null } } })
    return used > 0 ? sign() : undefined
  }
  if (ticket.v !== undefined) {
    const bound = await db.voucherDevice.count({ where: { voucherId: ticket.v, deviceId: device.id } })
    return bound > 0 ? sign() : undefined
  }
  return undefined
}

/** The result page: online, with the time allowed, where to go on, and the status page once the login is proved. */
export async function showSuccess(
  portal: Portal,
  req: FastifyRequest,
  reply: FastifyReply,
  visit: Visit,
  tr: Translator,
  input: { timeLeft?: number; already?: boolean; proof: LoginProof },
) {
  const status = await statusPass(portal, visit, input.proof)
  const seconds = input.timeLeft ?? (visit.site.policy ? visit.site.policy.sessionMinutes * 60 : undefined)
  const target = portal.continueTarget(visit, tr)
  const heading = tr.t(input.already ? 'already.title' : 'success.title')
  portal.metrics.pages.inc({ page: input.already ? 'already' : 'success' })
  return portal.render(reply, 'success.eta', {
    ...portal.page(tr, heading, {
      site: visit.site,
      toggleUrl: portal.url('/done', { c: visit.token, tl: input.timeLeft ? String(input.timeLeft) : undefined, lang: tr.other }),
      termsUrl: termsUrl(portal, visit, tr),
    }),
    heading,
    duration: seconds ? tr.duration(seconds) : undefined,
    continueUrl: target.url,
    continueLabel: target.label,
    originalText: target.text,
    statusUrl: status ? portal.url('/status', { s: status, lang: tr.lang }) : undefined,
    links: portal.links(visit.site, tr),
  })
}

/** The JSON-schema properties every portal form posts: the signed context, the form key, its CSRF token, the language. */
export const POSTED_CONTEXT_FIELDS = {
  c: { type: 'string', maxLength: 4096 },
  k: { type: 'string', maxLength: 64 },
  t: { type: 'string', maxLength: 128 },
  lang: { type: 'string', maxLength: 5 },
} as const

export interface PostedForm {
  c?: string
  k?: string
  t?: string
  lang?: string
  o?: string
  [field: string]: string | undefined
}

export type CheckedPost = { ok: true; visit: Visit; tr: Translator; body: PostedForm & { k: string } } | { ok: false }

/**
 * Every POST starts here: the signed context, the CSRF token bound to it and
 * to the form's key, and the Origin. Answers the page itself when one fails.
 */
export async function checkPost(portal: Portal, req: FastifyRequest, reply: FastifyReply): Promise<CheckedPost> {
  const body = (req.body ?? {}) as PostedForm
  const visit = await portal.visitFromToken(body.c)
  if (!visit || visit === 'gone') {
    const tr = portal.translator(req, body.lang)
    await portal.message(reply, tr, { status: 400, title: 'expired.title', lines: [tr.t('expired.text')], page: 'expired' })
    return { ok: false }
  }
  const tr = portal.translator(req, body.lang, visit.nas.language)
  const k = typeof body.k === 'string' && /^[A-Za-z0-9_-]{16,64}$/.test(body.k) ? body.k : undefined
  if (!k || isCrossSitePost(req, (h) => portal.isPortalHost(h)) || !checkCsrfToken(portal.signer, body.t, { formKey: k, context: visit.token, ip: req.ip })) {
    req.log.info({ nasId: visit.nas.id }, 'form refused: CSRF token or origin does not match')
    await showEntry(portal, req, reply, visit, tr, { alert: { title: tr.t('errors.formExpired'), lines: [] }, status: 403 })
    return { ok: false }
  }
  return { ok: true, visit, tr, body: { ...body, k } }
}

/**
 * The hand-over to the NAS after consent: a redirect (CoovaChilli logon,
 * openNDS auth) or a form the browser posts (MikroTik). openNDS asks no
 * RADIUS, so its session is recorded here.
 */
export async function handToNas(
  portal: Portal,
  req: FastifyRequest,
  reply: FastifyReply,
  visit: Visit,
  tr: Translator,
  input: { method: LoginMethod; username: string; password: string; consent: Consent; voucherId?: number },
) {
  const device = await portal.ctx.db.prisma.device.findUnique({ where: { id: input.consent.deviceId }, select: { id: true } })
  const ticket = portal.signTicket({ d: device?.id ?? input.consent.deviceId, n: visit.nas.id, ...(input.voucherId !== undefined ? { v: input.voucherId } : { u: input.username }) })
  const returnUrl = `${portal.publicUrl}${portal.url('/done', { c: visit.token, l: ticket, lang: tr.lang })}`
  const { adapter, trust } = portal.adapter(visit)
  const step = adapter.loginStep(visit.context, { username: input.username, password: input.password }, trust, returnUrl, tr.lang)
  const sessionId = adapter.portalSessionId(visit.context.login)
  if (sessionId) await recordPortalSession(portal, visit, sessionId, input)
  portal.metrics.logins.inc({ method: input.method, vendor: visit.context.vendor })
  req.log.info({ nasId: visit.nas.id, siteId: visit.site.id, method: input.method, consentId: input.consent.id }, 'login handed to the NAS')
  if (step.kind === 'redirect') {
    reply.header('cache-control', 'no-store')
    return reply.code(303).redirect(step.url)
  }
  portal.metrics.pages.inc({ page: 'connecting' })
  return portal.render(
    reply,
    'connecting.eta',
    {
      ...portal.page(tr, tr.t('connecting.title'), { site: visit.site }),
      action: step.action,
      fields: step.fields,
      scriptUrl: portal.scriptUrl,
    },
    { formOrigins: portal.formOrigins(visit), script: true },
  )
}

async function recordPortalSession(portal: Portal, visit: Visit, acctSessionId: string, input: { method: LoginMethod; consent: Consent; voucherId?: number }) {
  const seconds = (visit.site.policy?.sessionMinutes ?? 30) * 60
  const device = await portal.ctx.db.prisma.device.findUnique({ where: { id: input.consent.deviceId }, select: { mac: true } })
  // Stored as RADIUS stores an Accounting Start, so that openNDS sites count
  // in the statistics like the others.
  await storeRecords(portal.ctx.db.pool, portal.ctx.config.timeZone, [
    {
      nasId: visit.nas.id,
      siteId: visit.site.id,
      acctSessionId,
      status: 'start',
      username: `${visit.nas.vendor}:${input.method}`,
      mac: device?.mac ?? null,
      framedIp: visit.context.clientIp ?? null,
      calledStation: visit.context.apMac ?? null,
      nasPort: null,
      nasIp: null,
      eventTime: new Date(),
      sessionSeconds: 0,
      inputOctets: 0n,
      outputOctets: 0n,
      terminateCause: null,
      // openNDS sends no interim updates: the session is stale only after it could have ended.
      interimSeconds: seconds,
      authorized: true,
      method: input.method,
      voucherId: input.voucherId ?? null,
    },
  ])
}
