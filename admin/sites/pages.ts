// Sites: list, create, edit (login methods, Directive 66 mode, splash links,
// landing page, logo), archive.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { AppContext } from '../../core/context.js'
import type { Site } from '../../core/db/generated/client.js'
import { InputError } from '../../core/errors.js'
import { listPolicies } from '../../core/services/policies.js'
import { addSite, archiveSite, getSite, listSites, MAX_LINKS, removeSiteLogo, restoreSite, setSiteLogo, updateSite, type SiteInput } from '../../core/services/sites.js'
import { currentTerms } from '../../core/services/terms.js'
import { checked, formBodySchema, fromForm, num, str, strOrNull, type Body } from '../forms.js'
import type { AdminTranslator } from '../render.js'
import { markErrors, type Block, type Cell, type Field, type FormModel } from '../ui.js'

const idParams = { type: 'object', properties: { id: { type: 'integer' } } } as const

function siteInputFrom(b: Body): SiteInput & { name: string } {
  const links: NonNullable<SiteInput['links']> = []
  for (let i = 0; i < MAX_LINKS; i++) {
    if (str(b, `links.${i}.url`) === undefined && str(b, `links.${i}.labelVi`) === undefined) continue
    links.push({ key: str(b, `links.${i}.key`) || undefined, labelVi: str(b, `links.${i}.labelVi`) ?? '', labelEn: str(b, `links.${i}.labelEn`) ?? '', url: str(b, `links.${i}.url`) ?? '' })
  }
  return {
    name: str(b, 'name') ?? '',
    address: strOrNull(b, 'address'),
    ssid: strOrNull(b, 'ssid'),
    latitude: num(b, 'latitude'),
    longitude: num(b, 'longitude'),
    policyId: str(b, 'policyId') ? Number(str(b, 'policyId')) : null,
    allowClickThrough: checked(b, 'allowClickThrough'),
    allowVoucher: checked(b, 'allowVoucher'),
    allowOtp: checked(b, 'allowOtp'),
    otpRequired: checked(b, 'otpRequired'),
    links,
    landingUrl: strOrNull(b, 'landingUrl'),
  }
}

type Values = SiteInput & { links?: { key?: string; labelVi: string; labelEn?: string; url: string }[] }

async function siteForm(ctx: AppContext, tr: AdminTranslator, action: string, v: Values, submit: string): Promise<FormModel> {
  const policies = await listPolicies(ctx.db.prisma)
  const links = [...(v.links ?? [])]
  while (links.length < Math.min(MAX_LINKS, Math.max(3, (v.links?.length ?? 0) + 1))) links.push({ labelVi: '', labelEn: '', url: '' })
  const linkFields: Field[] = links.flatMap((l, i) => [
    { name: `links.${i}.key`, label: '', type: 'hidden', value: l.key ?? '' },
    { name: `links.${i}.labelVi`, label: tr.t('site.linkLabelVi', { n: i + 1 }), type: 'text', value: l.labelVi },
    { name: `links.${i}.labelEn`, label: tr.t('site.linkLabelEn', { n: i + 1 }), type: 'text', value: l.labelEn ?? '' },
    { name: `links.${i}.url`, label: tr.t('site.linkUrl', { n: i + 1 }), type: 'url', value: l.url, hint: i === 0 ? tr.t('site.linkUrlHint') : undefined },
  ])
  return {
    action,
    test: 'site-form',
    fields: [
      { name: 'name', label: tr.t('site.name'), type: 'text', value: v.name ?? '', required: true },
      { name: 'address', label: tr.t('site.address'), type: 'text', value: v.address ?? '' },
      { name: 'ssid', label: tr.t('site.ssid'), type: 'text', value: v.ssid ?? '', hint: tr.t('site.ssidHint') },
      { name: 'latitude', label: tr.t('site.latitude'), type: 'text', value: v.latitude ?? '', hint: tr.t('site.coordinatesHint') },
      { name: 'longitude', label: tr.t('site.longitude'), type: 'text', value: v.longitude ?? '' },
      {
        name: 'policyId',
        label: tr.t('site.policy'),
        type: 'select',
        value: v.policyId ?? '',
        options: [{ value: '', label: tr.t('site.noPolicy') }, ...policies.map((p) => ({ value: String(p.id), label: p.name }))],
        hint: tr.t('site.policyHint'),
      },
      {
        legend: tr.t('site.methods'),
        fields: [
          { name: 'allowClickThrough', label: tr.t('site.allowClickThrough'), type: 'checkbox', value: v.allowClickThrough ?? true },
          { name: 'allowOtp', label: tr.t('site.allowOtp'), type: 'checkbox', value: v.allowOtp ?? false },
          { name: 'allowVoucher', label: tr.t('site.allowVoucher'), type: 'checkbox', value: v.allowVoucher ?? true },
          { name: 'otpRequired', label: tr.t('site.otpRequired'), type: 'checkbox', value: v.otpRequired ?? false, hint: tr.t('site.otpRequiredHint') },
        ],
      },
      { legend: tr.t('site.links'), hint: tr.t('site.linksHint'), fields: linkFields },
      { name: 'landingUrl', label: tr.t('site.landingUrl'), type: 'url', value: v.landingUrl ?? '', hint: tr.t('site.landingUrlHint') },
    ],
    submit,
    cancel: { href: '/sites', label: tr.t('common.cancel') },
  }
}

const methods = (s: Site, tr: AdminTranslator) =>
  [s.allowClickThrough && tr.t('site.m.click'), s.allowOtp && (s.otpRequired ? tr.t('site.m.otpRequired') : tr.t('site.m.otp')), s.allowVoucher && tr.t('site.m.voucher')].filter(Boolean).join(' · ') || tr.t('site.m.none')

function logoForm(tr: AdminTranslator, site: Site, csrf: string): FormModel {
  return {
    action: `/sites/${site.id}/logo?_csrf=${encodeURIComponent(csrf)}`,
    multipart: true,
    test: 'logo-form',
    fields: [{ name: 'logo', label: tr.t('site.logo'), type: 'file', accept: 'image/png,image/jpeg,image/webp', hint: tr.t('site.logoHint'), required: true }],
    submit: tr.t('site.logoUpload'),
  }
}

export async function sitesPages(app: FastifyInstance, { ctx }: { ctx: AppContext }) {
  const prisma = ctx.db.prisma

  app.get('/sites', { config: { access: 'sites' }, schema: { querystring: { type: 'object', properties: { archived: { type: 'string' } } } } }, async (req, reply) => {
    const tr = req.tr
    const archived = (req.query as { archived?: string }).archived === '1'
    const sites = await listSites(prisma, { archived })
    const rows: Cell[][] = sites.map((s) => [
      { text: s.name, href: `/sites/${s.id}`, test: 'site-link' },
      s.address ?? '—',
      s.policy ? { text: s.policy.name, href: `/policies/${s.policy.id}` } : { text: tr.t('site.noPolicy'), badge: 'muted' },
      methods(s, tr),
      s.nasCount,
      s.onlineNow,
      s.archivedAt ? { text: tr.t('site.archived'), badge: 'muted' } : { text: tr.t('site.active'), badge: 'ok' },
    ])
    return reply.page(tr.t('site.title'), [
      { kind: 'actions', links: [{ href: '/sites/new', label: tr.t('site.new'), test: 'new-site' }, { href: archived ? '/sites' : '/sites?archived=1', label: archived ? tr.t('site.hideArchived') : tr.t('site.showArchived'), button: false }] },
      { kind: 'table', test: 'sites', columns: [tr.t('site.name'), tr.t('site.address'), tr.t('site.policy'), tr.t('site.methods'), tr.t('site.nasCount'), tr.t('site.onlineNow'), tr.t('common.state')], numeric: [4, 5], rows, empty: tr.t('site.none') },
    ])
  })

  app.get('/sites/new', { config: { access: 'sites' }, schema: {} }, async (req, reply) => {
    return reply.page(req.tr.t('site.new'), [{ kind: 'form', form: await siteForm(ctx, req.tr, '/sites', {}, req.tr.t('site.create')) }])
  })

  app.post('/sites', { config: { access: 'sites' }, schema: { body: formBodySchema } }, async (req, reply) => {
    const input = siteInputFrom(req.body as Body)
    const form = await siteForm(ctx, req.tr, '/sites', input, req.tr.t('site.create'))
    const r = await fromForm(req, reply, { title: req.tr.t('site.new'), form }, () => addSite(prisma, input, req.actor))
    if (r.ok) return reply.redirect(`/sites/${r.value.id}?saved=1`, 303)
    return reply
  })

  const editPage = async (req: FastifyRequest, reply: FastifyReply, site: Site, form: FormModel, notices: Block[], status = 200) => {
    const tr = req.tr
    const terms = await currentTerms(prisma)
    const csrf = reply.generateCsrf({ secure: req.protocol === 'https' })
    return reply.page(
      site.name,
      [
        ...notices,
        { kind: 'actions', links: [{ href: `/nas?site=${site.id}`, label: tr.t('site.itsNas'), button: false }, { href: `/vouchers?site=${site.id}`, label: tr.t('site.itsVouchers'), button: false }, { href: `/sessions?site=${site.id}`, label: tr.t('site.itsSessions'), button: false }] },
        { kind: 'form', form },
        { kind: 'heading', text: tr.t('site.logo') },
        { kind: 'text', text: site.logoPath ? tr.t('site.logoSet', { file: site.logoPath }) : tr.t('site.logoDefault') },
        { kind: 'form', form: logoForm(tr, site, csrf) },
        ...(site.logoPath ? [{ kind: 'actions' as const, buttons: [{ action: `/sites/${site.id}/logo/remove`, label: tr.t('site.logoRemove'), tone: 'plain' as const }] }] : []),
        { kind: 'heading', text: tr.t('site.termsHeading') },
        { kind: 'text', text: tr.t('site.termsText', { version: terms.version }) },
        { kind: 'actions', links: [{ href: '/terms', label: tr.t('nav.terms'), button: false }] },
        { kind: 'heading', text: tr.t('site.archiveHeading') },
        site.archivedAt
          ? { kind: 'actions', buttons: [{ action: `/sites/${site.id}/restore`, label: tr.t('site.restore'), test: 'restore-site' }] }
          : { kind: 'actions', buttons: [{ action: `/sites/${site.id}/archive`, label: tr.t('site.archive'), tone: 'danger', confirm: tr.t('site.archiveConfirm', { name: site.name }), test: 'archive-site' }] },
      ],
      { status },
    )
  }

  const valuesOf = (s: Site): Values => ({ ...s, links: Array.isArray(s.links) ? (s.links as unknown as Values['links']) : [] })

  app.get('/sites/:id', { config: { access: 'sites' }, schema: { params: idParams, querystring: { type: 'object', properties: { saved: { type: 'string' } } } } }, async (req, reply) => {
    const site = await getSite(prisma, (req.params as { id: number }).id)
    const saved = (req.query as { saved?: string }).saved
    const notices: Block[] = saved ? [{ kind: 'notice', tone: 'ok', text: req.tr.t('common.saved'), test: 'saved' }] : []
    return editPage(req, reply, site, await siteForm(ctx, req.tr, `/sites/${site.id}`, valuesOf(site), req.tr.t('common.save')), notices)
  })

  app.post('/sites/:id', { config: { access: 'sites' }, schema: { params: idParams, body: formBodySchema } }, async (req, reply) => {
    const site = await getSite(prisma, (req.params as { id: number }).id)
    const input = siteInputFrom(req.body as Body)
    const form = await siteForm(ctx, req.tr, `/sites/${site.id}`, input, req.tr.t('common.save'))
    try {
      await updateSite(prisma, site.id, input, req.actor)
    } catch (err) {
      if (!(err instanceof InputError)) throw err
      const loose = markErrors(form, err.problems, (p) => req.tr.problem(p))
      return editPage(req, reply, site, form, [{ kind: 'notice', tone: 'error', text: req.tr.t('form.fix'), test: 'form-error' }, ...loose.map((text) => ({ kind: 'notice' as const, tone: 'error' as const, text }))], 400)
    }
    return reply.redirect(`/sites/${site.id}?saved=1`, 303)
  })

  app.post('/sites/:id/logo', { config: { access: 'sites' }, schema: { params: idParams } }, async (req, reply) => {
    const site = await getSite(prisma, (req.params as { id: number }).id)
    const form = await siteForm(ctx, req.tr, `/sites/${site.id}`, valuesOf(site), req.tr.t('common.save'))
    try {
      const file = req.isMultipart() ? await req.file() : undefined
      if (!file) throw new InputError('choose a logo file', 'logo', 'site.logoEmpty')
      let data: Buffer
      try {
        data = await file.toBuffer()
      } catch (err) {
        if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') throw new InputError('the logo is too large', 'logo', 'site.logoLarge', { kb: '>12', max: 12 })
        throw err
      }
      await setSiteLogo(prisma, ctx.config.dataDir, site.id, data, req.actor)
    } catch (err) {
      if (!(err instanceof InputError)) throw err
      return editPage(req, reply, site, form, err.problems.map((p) => ({ kind: 'notice' as const, tone: 'error' as const, text: `${req.tr.t('site.logo')}: ${req.tr.problem(p)}`, test: 'logo-error' })), 400)
    }
    return reply.redirect(`/sites/${site.id}?saved=1`, 303)
  })

  app.post('/sites/:id/logo/remove', { config: { access: 'sites' }, schema: { params: idParams, body: formBodySchema } }, async (req, reply) => {
    const id = (req.params as { id: number }).id
    await removeSiteLogo(prisma, id, req.actor)
    return reply.redirect(`/sites/${id}?saved=1`, 303)
  })

  app.post('/sites/:id/archive', { config: { access: 'sites' }, schema: { params: idParams, body: formBodySchema } }, async (req, reply) => {
    const id = (req.params as { id: number }).id
    await archiveSite(prisma, id, req.actor)
    return reply.redirect(`/sites/${id}?saved=1`, 303)
  })

  app.post('/sites/:id/restore', { config: { access: 'sites' }, schema: { params: idParams, body: formBodySchema } }, async (req, reply) => {
    const id = (req.params as { id: number }).id
    await restoreSite(prisma, id, req.actor)
    return reply.redirect(`/sites/${id}?saved=1`, 303)
  })
}
