// What the portal's routes share: the signer, the NAS directory, cached site
// and terms, the SMS gateway, counters, and the pieces of a page.
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { AppContext } from '../core/context.js'
import type { AccessPoint, Policy, Site, Terms } from '../core/db/generated/client.js'
import { PROJECT_ROOT } from '../core/db/migrations.js'
import { siteLinks } from '../core/services/link-clicks.js'
import type { OtpLimits } from '../core/services/otp.js'
import { currentTerms } from '../core/services/terms.js'
import type { SmsConfig } from '../core/config.js'
import { pickLang, Translator, type Lang, type MessageKey } from './i18n.js'
import { portalMetrics, type PortalMetrics } from './metrics.js'
import { adapterFor, adapterOf, NasDirectory, readRedirect, type NasAdapter, type NasTrust, type PortalContext } from './nas/index.js'
import { first, type NasFinder } from './nas/types.js'
import { OutageLog } from './outage.js'
import { VoucherGate } from './voucher-gate.js'
import { SlidingWindows } from './rate-limit.js'
import { followableUrl, setPageHeaders, type PagePolicy } from './security.js'
import { csrfToken, newFormKey, nowSeconds, Signer } from './signing.js'
import { createSmsGateway, type SmsGateway } from './sms/gateway.js'

export const PORTAL_DIR = path.join(PROJECT_ROOT, 'portal')
export const VIEWS_DIR = path.join(PORTAL_DIR, 'views')
export const STATIC_DIR = path.join(PORTAL_DIR, 'static')

/** How long a NAS redirect stays usable (and a form's CSRF token). */
export const CONTEXT_MAX_AGE_SECONDS = 2 * 3600
/** How long the status-page pass of a login works. */
export const STATUS_MAX_AGE_SECONDS = 24 * 3600
/** A logo larger than this would break the splash page's 30 KB budget: the default is shown instead. */
export const MAX_LOGO_BYTES = 12 * 1024

export interface PortalOptions {
  /** Replaces the gateway chosen by PORTAL_SMS_GATEWAY (tests). */
  sms?: SmsGateway
  otpLimits?: OtpLimits
  /** Replaces the SMS settings of the configuration (tests). */
  smsConfig?: SmsConfig
}

export type SiteWithPolicy = Site & { policy: Policy | null }

/** A browser's login in progress: the NAS redirect, checked, with its NAS and site. */
export interface Visit {
  context: PortalContext
  /** The signed context, carried in forms and links as `c`. */
  token: string
  nas: AccessPoint
  site: SiteWithPolicy
}

interface ContextClaims {
  iat: number
  /** AccessPoint.id */
  n: number
  x: Omit<PortalContext, 'state' | 'reply' | 'timeLeft'>
}

export interface StatusClaims {
  iat: number
  /** Device, site, AccessPoint ids. */
  d: number
  s: number
  n: number
  /** The context's NAS login data, for the logout link. */
  x: PortalContext['login']
}

/**
 * What /done needs to issue a status pass: made for the browser that posted
 * the login form, carried in the URL the NAS sends it back to.
 */
export interface LoginTicket {
  iat: number
  /** Device and AccessPoint ids. */
  d: number
  n: number
  /** The one-time credential's username, or the voucher id, handed to the NAS. */
  u?: string
  v?: number
}

/** How long after the login form a ticket still gets a status pass. */
export const TICKET_MAX_AGE_SECONDS = 3600

export type VisitResult =
  | { kind: 'visit'; visit: Visit; /** A fresh redirect the NAS signed (its state can be believed). */ signed?: boolean }
  | { kind: 'none' }
  | { kind: 'bad'; problem: string }
  | { kind: 'unknown-nas'; name: string }
  | { kind: 'expired' }

export interface FormFields {
  c: string
  k: string
  t: string
  lang: Lang
  o?: string
}

function fileVersion(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex').slice(0, 10)
}

/**
 * A small read-through cache. Keys come from URLs (`/logo/:site`,
 * `/go/:site/:key`), so anyone can ask for any number of them: it holds at
 * most `max` entries, dropping expired ones first, then the oldest.
 */
export class Cached<K, V> {
  readonly #map = new Map<K, { at: number; value: Promise<V> }>()
  constructor(
    readonly ms: number,
    readonly load: (key: K) => Promise<V>,
    readonly max = 1000,
  ) {}

  get size(): number {
    return this.#map.size
  }

  get(key: K): Promise<V> {
    const hit = this.#map.get(key)
    const now = Date.now()
    if (hit && now - hit.at < this.ms) return hit.value
    if (hit) this.#map.delete(key)
    if (this.#map.size >= this.max) {
      for (const [k, e] of this.#map) if (now - e.at >= this.ms) this.#map.delete(k)
      for (const k of this.#map.keys()) {
        if (this.#map.size < this.max) break
        this.#map.delete(k)
      }
    }
    const value = this.load(key)
    this.#map.set(key, { at: now, value })
    value.catch(() => this.#map.delete(key))
    return value
  }
}

export class Portal {
  readonly ctx: AppContext
  readonly signer: Signer
  readonly nas: NasDirectory
  readonly sms: SmsGateway
  readonly metrics: PortalMetrics
  readonly windows = new SlidingWindows()
  readonly outages = new OutageLog()
  readonly vouchers: VoucherGate
  readonly otpLimits: OtpLimits
  /** PORTAL_PUBLIC_URL; with port 0 (tests), the address the portal got. */
  publicUrl: string
  readonly #hosts = new Set<string>()
  readonly cssUrl: string
  readonly scriptUrl: string
  readonly defaultLogoUrl: string
  readonly #sites: Cached<number, SiteWithPolicy | null>
  readonly #terms: Cached<0, Terms>
  readonly #logos = new Map<number, { file: string; version: string } | null>()

  constructor(ctx: AppContext, options: PortalOptions = {}) {
    this.ctx = ctx
    this.signer = new Signer(ctx.secrets)
    this.nas = new NasDirectory(ctx.db.prisma)
    this.vouchers = new VoucherGate(ctx)
    this.sms = options.sms ?? createSmsGateway(options.smsConfig ?? ctx.config.sms, ctx.log)
    this.metrics = portalMetrics(ctx.metrics)
    this.otpLimits = options.otpLimits ?? ctx.config.smsLimits
    this.publicUrl = ctx.config.portalPublicUrl
    this.#hosts.add(new URL(this.publicUrl).host)
    this.cssUrl = `/static/portal.css?v=${fileVersion(path.join(STATIC_DIR, 'portal.css'))}`
    this.scriptUrl = `/static/go.js?v=${fileVersion(path.join(STATIC_DIR, 'go.js'))}`
    this.defaultLogoUrl = `/static/logo.svg?v=${fileVersion(path.join(STATIC_DIR, 'logo.svg'))}`
    this.#sites = new Cached(15_000, (id) => ctx.db.prisma.site.findUnique({ where: { id }, include: { policy: true } }))
    this.#terms = new Cached(15_000, () => currentTerms(ctx.db.prisma))
  }

  /** Called once listening: a public URL with port 0 (tests) becomes the real one. */
  listening(url: string): void {
    const pub = new URL(this.publicUrl)
    if (pub.port === '0') {
      pub.port = new URL(url).port
      this.publicUrl = pub.toString().replace(/\/+$/, '')
    }
    this.#hosts.add(new URL(this.publicUrl).host)
    this.#hosts.add(new URL(url).host)
  }

  /** The Host header names the portal (not a site whose request the NAS intercepted). */
  isPortalHost(host: string | undefined): boolean {
    return host !== undefined && this.#hosts.has(host.toLowerCase())
  }

  /** Entries held by the per-site caches (bounded whatever ids are asked for). */
  cacheSizes(): { sites: number; logos: number } {
    return { sites: this.#sites.size, logos: this.#logos.size }
  }

  site(id: number): Promise<SiteWithPolicy | null> {
    return this.#sites.get(id)
  }

  terms(): Promise<Terms> {
    return this.#terms.get(0)
  }

  translator(req: FastifyRequest, explicit?: unknown, nasLanguage?: string): Translator {
    const lang = pickLang(explicit ?? first((req.query as Record<string, unknown> | undefined)?.lang), req.headers['accept-language'], nasLanguage)
    return new Translator(lang, this.ctx.config.timeZone)
  }

  // --- the NAS context ----------------------------------------------------

  signContext(context: PortalContext, nas: AccessPoint): string {
    const { state: _s, reply: _r, timeLeft: _t, ...kept } = context
    return this.signer.sign('context', { iat: nowSeconds(), n: nas.id, x: kept } satisfies ContextClaims)
  }

  /** A visit from the `c` a form or link carried; undefined when altered or too old. */
  async visitFromToken(token: unknown): Promise<Visit | undefined | 'gone'> {
    const claims = this.signer.verify<ContextClaims>('context', token, CONTEXT_MAX_AGE_SECONDS)
    if (!claims) return undefined
    const nas = await this.nas.byId(claims.n)
    const site = nas ? await this.site(nas.siteId) : null
    // A NAS re-registered as another vendor since: its old contexts mean nothing.
    if (!nas || !site || nas.disabledAt || nas.vendor !== claims.x.vendor) return 'gone'
    return { context: { ...claims.x, state: 'notyet' }, token: token as string, nas, site }
  }

  /** A visit from a NAS redirect (or from `c`, when the page links to itself). */
  async visitFromRequest(req: FastifyRequest): Promise<VisitResult> {
    const query = req.query as Record<string, unknown>
    const host = req.headers.host ?? ''
    const result = await readRedirect(
      {
        query,
        rawUrl: req.raw.url ?? '',
        portalPrefixes: [...new Set([this.publicUrl, `http://${host}`, `https://${host}`, `${req.protocol}://${host}`])],
        sourceIp: req.ip,
      },
      this.finder,
    )
    switch (result.kind) {
      case 'none': {
        const c = first(query.c)
        if (c === undefined) return { kind: 'none' }
        const v = await this.visitFromToken(c)
        if (v === 'gone') return { kind: 'bad', problem: 'the NAS of this page is no longer registered' }
        return v ? { kind: 'visit', visit: v } : { kind: 'expired' }
      }
      case 'bad':
      case 'unknown-nas':
        return result
      case 'ok': {
        const { nas } = result.trust
        const site = await this.site(nas.siteId)
        if (!site) return { kind: 'unknown-nas', name: nas.name }
        const signed = adapterFor(nas.vendor)!.signsState(result.trust)
        return { kind: 'visit', signed, visit: { context: result.context, token: this.signContext(result.context, nas), nas, site } }
      }
    }
  }

  /** What an adapter may look up: registered NAS, and their decrypted secrets. */
  readonly finder: NasFinder = {
    byName: (name) => this.nas.find(name, undefined),
    byAddress: (ip) => this.nas.find(undefined, ip),
    ofVendor: (vendor) => this.nas.ofVendor(vendor),
    secret: (nas) => this.uamSecret(nas),
  }

  uamSecret(nas: AccessPoint): string | undefined {
    return nas.uamSecretEnc ? this.ctx.secrets.decrypt(nas.uamSecretEnc) : undefined
  }

  /** The adapter of a visit's registered NAS, and what it is trusted with. */
  adapter(visit: Pick<Visit, 'nas'>): { adapter: NasAdapter; trust: NasTrust } {
    const adapter = adapterFor(visit.nas.vendor)
    if (!adapter) throw new Error(`NAS "${visit.nas.name}" (${visit.nas.vendor}) has no portal adapter`)
    return { adapter, trust: { nas: visit.nas, secret: this.uamSecret(visit.nas) } }
  }

  signStatus(input: { deviceId: number; siteId: number; nas: AccessPoint; context: PortalContext }): string {
    return this.signer.sign('status', { iat: nowSeconds(), d: input.deviceId, s: input.siteId, n: input.nas.id, x: input.context.login } satisfies StatusClaims)
  }

  signTicket(ticket: Omit<LoginTicket, 'iat'>): string {
    return this.signer.sign('login-ticket', { iat: nowSeconds(), ...ticket } satisfies LoginTicket)
  }

  verifyTicket(token: unknown): LoginTicket | undefined {
    return this.signer.verify<LoginTicket>('login-ticket', token, TICKET_MAX_AGE_SECONDS)
  }

  verifyStatus(token: unknown): StatusClaims | undefined {
    return this.signer.verify<StatusClaims>('status', token, STATUS_MAX_AGE_SECONDS)
  }

  // --- pages ----------------------------------------------------------------

  /** Hidden fields of a form: context, one-time key, CSRF token, language. */
  form(req: FastifyRequest, context: string, lang: Lang, extra: { o?: string } = {}): FormFields {
    const k = newFormKey()
    return { c: context, k, t: csrfToken(this.signer, { formKey: k, context, ip: req.ip }), lang, ...extra }
  }

  logoUrl(site: Site | null | undefined): string {
    if (!site?.logoPath) return this.defaultLogoUrl
    const logo = this.logoFile(site)
    return logo ? `/logo/${site.id}?v=${logo.version}` : this.defaultLogoUrl
  }

  /** The site's logo file: a plain file name under <data dir>/logos, small enough for the page budget. */
  logoFile(site: Site): { file: string; version: string } | null {
    if (this.#logos.has(site.id)) return this.#logos.get(site.id)!
    let found: { file: string; version: string } | null = null
    const name = site.logoPath ?? ''
    if (/^[\w.-]+\.(svg|png|jpe?g|webp)$/i.test(name)) {
      const file = path.join(this.ctx.config.dataDir, 'logos', name)
      try {
        const st = fs.statSync(file)
        if (st.size <= MAX_LOGO_BYTES) found = { file, version: fileVersion(file) }
        else this.ctx.log.warn({ siteId: site.id, bytes: st.size }, `site logo is over ${MAX_LOGO_BYTES} bytes: the default logo is shown`)
      } catch {
        this.ctx.log.warn({ siteId: site.id }, 'site logo file not found in <data dir>/logos: the default logo is shown')
      }
    }
    this.#logos.set(site.id, found)
    return found
  }

  links(site: Site, tr: Translator) {
    return siteLinks(site.links).map((l) => ({ href: `/go/${site.id}/${encodeURIComponent(l.key)}`, label: tr.lang === 'vi' ? l.labelVi : l.labelEn }))
  }

  /** The model every page starts from (layout fields). */
  page(tr: Translator, title: string, extra: { site?: Site | null; toggleUrl?: string; termsUrl?: string } = {}) {
    return {
      t: (key: MessageKey, vars?: Record<string, string | number>) => tr.t(key, vars),
      lang: tr.lang,
      other: tr.other,
      title,
      siteName: extra.site?.name,
      logoUrl: this.logoUrl(extra.site),
      cssUrl: this.cssUrl,
      toggleUrl: extra.toggleUrl,
      termsUrl: extra.termsUrl,
    }
  }

  async render(reply: FastifyReply, template: string, model: object, policy: PagePolicy = {}, status = 200): Promise<FastifyReply> {
    setPageHeaders(reply, policy)
    reply.code(status).type('text/html; charset=utf-8')
    const html = await reply.viewAsync(template, model)
    return reply.send(html)
  }

  /** A page with a heading, a few lines and at most one button. */
  message(
    reply: FastifyReply,
    tr: Translator,
    input: { status: number; title: MessageKey; lines: string[]; action?: { href: string; label: string }; site?: Site | null; page: string },
  ) {
    this.metrics.pages.inc({ page: input.page })
    const heading = tr.t(input.title)
    return this.render(reply, 'message.eta', { ...this.page(tr, heading, { site: input.site }), heading, lines: input.lines, action: input.action }, {}, input.status)
  }

  /** Where to send the person after login: their page if it is http(s), else the site's landing page. */
  continueTarget(visit: Pick<Visit, 'context' | 'site'>, tr: Translator): { url?: string; label?: string; text?: string } {
    const own = followableUrl(visit.context.userUrl)
    if (own) return { url: own.toString(), label: tr.t('success.continue', { host: own.host }) }
    const landing = followableUrl(visit.site.landingUrl ?? undefined)
    return {
      url: landing?.toString(),
      label: landing ? tr.t('success.browse') : undefined,
      text: visit.context.userUrl && !own ? visit.context.userUrl : undefined,
    }
  }

  formOrigins(visit: Visit): string[] {
    return adapterOf(visit.context.login).origins(visit.context.login)
  }

  url(pathname: string, params: Record<string, string | undefined>): string {
    const q = new URLSearchParams()
    for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, v)
    const s = q.toString()
    return s ? `${pathname}?${s}` : pathname
  }
}
