// A running portal on a fresh database with one site and its NAS, for the
// portal's HTTP tests and the end-to-end tests.
import type { Test } from 'tap'
import type { AccessPoint, NasVendor, Prisma, Site } from '../../core/db/generated/client.js'
import type { AppContext } from '../../core/context.js'
import { addNas } from '../../core/services/nas.js'
import { addSite } from '../../core/services/sites.js'
import type { OtpLimits } from '../../core/services/otp.js'
import { startPortal } from '../../portal/service.js'
import type { SmsGateway } from '../../portal/sms/gateway.js'
import { testContext } from '../helpers/app.js'
import type { DbKind } from '../helpers/databases.js'

/** An SMS gateway that keeps what it was asked to send. */
export class RecordingSms implements SmsGateway {
  readonly name = 'console' as const
  readonly sent: { to: string; text: string }[] = []
  fail = false

  async send(to: string, text: string): Promise<void> {
    if (this.fail) throw new Error('gateway down')
    this.sent.push({ to, text })
  }

  lastCode(): string | undefined {
    return /(\d{6})/.exec(this.sent.at(-1)?.text ?? '')?.[1]
  }
}

export const NAS_SECRET = 'radius-shared-secret-0123'
export const UAM_SECRET = 'uam-secret-42-of-the-city'

export interface PortalSetup {
  ctx: AppContext
  url: string
  site: Site
  nas: AccessPoint
  sms: RecordingSms
}

export interface SetupOptions {
  vendor?: NasVendor
  nasName?: string
  uamSecret?: string | null
  site?: Prisma.SiteUpdateInput
  policy?: Prisma.PolicyCreateInput
  otpLimits?: OtpLimits
  env?: Record<string, string>
  /** Replaces the context's logger (to read what the portal logs). */
  log?: import('../../core/logger.js').Logger
}

export async function seedSite(ctx: AppContext, opts: SetupOptions = {}) {
  const prisma = ctx.db.prisma
  let site = await addSite(prisma, { name: 'Bộ phận một cửa phường Bến Nghé' }, 'test')
  const policy = await prisma.policy.create({ data: opts.policy ?? { name: 'Thử nghiệm 45 phút', sessionMinutes: 45, sessionMegabytes: 500 } })
  site = await prisma.site.update({
    where: { id: site.id },
    data: {
      policy: { connect: { id: policy.id } },
      allowClickThrough: true,
      allowVoucher: true,
      allowOtp: true,
      landingUrl: 'https://thanhpho.example.vn/',
      links: [
        { key: 'dichvucong', labelVi: 'Cổng Dịch vụ công', labelEn: 'Online public services', url: 'https://dichvucong.example.vn/' },
        { key: 'congdanso', labelVi: 'Công dân số', labelEn: 'Digital citizen', url: 'https://congdanso.example.vn/' },
      ],
      ...opts.site,
    },
  })
  const vendor = opts.vendor ?? 'coovachilli'
  const nas = await addNas(
    prisma,
    ctx.secrets,
    {
      site: site.name,
      name: opts.nasName ?? `test-${vendor}`,
      address: '127.0.0.1',
      secret: NAS_SECRET,
      vendor,
      uamSecret: opts.uamSecret === null ? undefined : (opts.uamSecret ?? UAM_SECRET),
    },
    'test',
  )
  return { site, nas }
}

export async function startPortalFor(t: Test, kind: DbKind, opts: SetupOptions = {}): Promise<PortalSetup> {
  const made = await testContext(t, kind, opts.env)
  const ctx = opts.log ? { ...made.ctx, log: opts.log } : made.ctx
  const { site, nas } = await seedSite(ctx, opts)
  const sms = new RecordingSms()
  const service = await startPortal(ctx, { sms, otpLimits: opts.otpLimits })
  t.teardown(() => service.close())
  return { ctx, url: service.addresses[0]!, site, nas, sms }
}

/** Reads the value of a hidden or text input by name from an HTML page. */
export function inputValue(html: string, name: string): string | undefined {
  const m = new RegExp(`<input[^>]*name="${name}"[^>]*value="([^"]*)"`).exec(html)
  return m ? decodeEntities(m[1]!) : undefined
}

export function decodeEntities(s: string): string {
  return s.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>')
}

/** The hidden fields of the form with data-test="…". */
export function formFields(html: string, dataTest: string): Record<string, string> {
  const start = html.indexOf(`data-test="${dataTest}"`)
  if (start < 0) throw new Error(`no form ${dataTest} in the page`)
  const end = html.indexOf('</form>', start)
  const form = html.slice(start, end)
  const out: Record<string, string> = {}
  for (const m of form.matchAll(/<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)) out[m[1]!] = decodeEntities(m[2]!)
  return out
}

export async function postForm(url: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
  return fetch(url, { method: 'POST', body: new URLSearchParams(fields), redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } })
}
