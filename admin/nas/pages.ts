// Access points (NAS): list with site, vendor, address, last seen, up/down
// and sessions now; register and edit every field `nas add` takes; rotate
// secrets (shown once); disable; remove what has no sessions.
import type { FastifyInstance } from 'fastify'
import type { AppContext } from '../../core/context.js'
import type { AccessPoint } from '../../core/db/generated/client.js'
import { addNas, getNas, listNas, NAS_VENDORS, NAS_UP_WINDOW_SECONDS, removeNas, rotateNasSecret, setNasDisabled, updateNas, isUp, type NasInput, type NewNas } from '../../core/services/nas.js'
import { listSites } from '../../core/services/sites.js'
import { checked, formBodySchema, fromForm, intParam, str, type Body } from '../forms.js'
import type { AdminTranslator } from '../render.js'
import type { Block, Cell, FormModel } from '../ui.js'

const idParams = { type: 'object', properties: { id: { type: 'integer' } } } as const

type Values = Partial<NewNas> & { siteId?: number }

function nasInputFrom(b: Body, creating: boolean): NasInput & { siteId?: number } {
  const coa = str(b, 'coaPort')?.trim()
  const input: NasInput & { siteId?: number } = {
    siteId: Number(str(b, 'siteId')),
    name: str(b, 'name') ?? '',
    address: str(b, 'ip') ?? '',
    vendor: str(b, 'vendor'),
    coaPort: coa ? Number(coa) : 3799,
    language: str(b, 'language'),
    allowMissingMessageAuthenticator: checked(b, 'allowMissingMessageAuthenticator'),
    allowInsecureFas: checked(b, 'allowInsecureFas'),
  }
  // One host (or host:port) a line; commas and spaces separate too. The
  // service checks each one; a form without the box leaves them as they are.
  const hosts = str(b, 'loginHosts')
  if (hosts !== undefined) input.loginHosts = hosts.split(/[\s,]+/).filter(Boolean)
  // Secrets: typed on creation; on an edit an empty box keeps the stored one.
  const secret = str(b, 'secret') ?? ''
  const uam = str(b, 'uamSecret') ?? ''
  if (creating || secret) input.secret = secret
  if (creating ? uam : uam) input.uamSecret = uam
  if (!creating && checked(b, 'removeUamSecret')) input.uamSecret = null
  return input
}

async function nasForm(ctx: AppContext, tr: AdminTranslator, action: string, v: Values, creating: boolean, hasUam = false): Promise<FormModel> {
  const sites = await listSites(ctx.db.prisma)
  return {
    action,
    test: 'nas-form',
    fields: [
      { name: 'siteId', label: tr.t('nas.site'), type: 'select', value: v.siteId ?? '', options: sites.map((s) => ({ value: String(s.id), label: s.name })), required: true },
      { name: 'name', label: tr.t('nas.name'), type: 'text', value: v.name ?? '', required: true, hint: tr.t('nas.nameHint') },
      { name: 'ip', label: tr.t('nas.ip'), type: 'text', value: v.address ?? '', required: true, hint: tr.t('nas.ipHint') },
      { name: 'vendor', label: tr.t('nas.vendor'), type: 'select', value: v.vendor ?? 'coovachilli', options: NAS_VENDORS.map((x) => ({ value: x, label: tr.t(`vendor.${x}`) })) },
      {
        name: 'secret',
        label: tr.t('nas.secret'),
        type: 'password',
        required: creating,
        autocomplete: 'new-password',
        hint: creating ? tr.t('nas.secretHint') : tr.t('nas.secretKeepHint'),
      },
      { name: 'uamSecret', label: tr.t('nas.uamSecret'), type: 'password', autocomplete: 'new-password', hint: creating ? tr.t('nas.uamSecretHint') : tr.t('nas.secretKeepHint') },
      ...(!creating && hasUam ? [{ name: 'removeUamSecret', label: tr.t('nas.removeUamSecret'), type: 'checkbox' as const, value: false }] : []),
      { name: 'coaPort', label: tr.t('nas.coaPort'), type: 'number', value: v.coaPort ?? 3799, min: 1, max: 65535, hint: tr.t('nas.coaPortHint') },
      { name: 'language', label: tr.t('nas.language'), type: 'select', value: v.language ?? 'vi', options: [{ value: 'vi', label: 'Tiếng Việt' }, { value: 'en', label: 'English' }] },
      { name: 'allowMissingMessageAuthenticator', label: tr.t('nas.allowMissingMA'), type: 'checkbox', value: v.allowMissingMessageAuthenticator ?? false, hint: tr.t('nas.allowMissingMAHint') },
      { name: 'loginHosts', label: tr.t('nas.loginHosts'), type: 'textarea', rows: 3, value: (v.loginHosts ?? []).join('\n'), hint: tr.t('nas.loginHostsHint') },
      { name: 'allowInsecureFas', label: tr.t('nas.allowInsecureFas'), type: 'checkbox', value: v.allowInsecureFas ?? false, hint: tr.t('nas.allowInsecureFasHint') },
    ],
    submit: creating ? tr.t('nas.create') : tr.t('common.save'),
    cancel: { href: '/nas', label: tr.t('common.cancel') },
  }
}

export function nasState(n: Pick<AccessPoint, 'lastSeenAt' | 'disabledAt'>, tr: AdminTranslator): Cell {
  if (n.disabledAt) return { text: tr.t('nas.disabled'), badge: 'muted', test: 'nas-state' }
  return isUp(n) ? { text: tr.t('nas.up'), badge: 'ok', test: 'nas-state' } : { text: tr.t('nas.down'), badge: 'error', test: 'nas-state' }
}

export async function nasPages(app: FastifyInstance, { ctx }: { ctx: AppContext }) {
  const prisma = ctx.db.prisma

  app.get('/nas', { config: { access: 'nas' }, schema: { querystring: { type: 'object', properties: { site: { type: 'string' } } } } }, async (req, reply) => {
    const tr = req.tr
    const siteId = intParam((req.query as { site?: string }).site)
    const [list, sites] = await Promise.all([listNas(prisma, { siteId }), listSites(prisma)])
    const rows: Cell[][] = list.map((n) => [
      { text: n.name, href: `/nas/${n.id}`, test: 'nas-link' },
      { text: n.site.name, href: `/sites/${n.site.id}` },
      tr.t(`vendor.${n.vendor}`),
      { text: n.address, mono: true },
      tr.when(n.lastSeenAt),
      nasState(n, tr),
      n.sessionsNow,
    ])
    return reply.page(tr.t('nas.title'), [
      {
        kind: 'form',
        form: {
          action: '/nas',
          method: 'get',
          inline: true,
          fields: [{ name: 'site', label: tr.t('nas.site'), type: 'select', value: siteId ?? '', options: [{ value: '', label: tr.t('common.all') }, ...sites.map((s) => ({ value: String(s.id), label: s.name }))] }],
          submit: tr.t('common.filter'),
        },
      },
      { kind: 'actions', links: [{ href: '/nas/new', label: tr.t('nas.new'), test: 'new-nas' }] },
      { kind: 'text', text: tr.t('nas.upExplained', { minutes: NAS_UP_WINDOW_SECONDS / 60 }), tone: 'muted' },
      { kind: 'table', test: 'nas-list', columns: [tr.t('nas.name'), tr.t('nas.site'), tr.t('nas.vendor'), tr.t('nas.ip'), tr.t('nas.lastSeen'), tr.t('common.state'), tr.t('nas.sessionsNow')], numeric: [6], rows, empty: tr.t('nas.none') },
    ])
  })

  app.get('/nas/new', { config: { access: 'nas' }, schema: { querystring: { type: 'object', properties: { site: { type: 'string' } } } } }, async (req, reply) => {
    const siteId = intParam((req.query as { site?: string }).site)
    return reply.page(req.tr.t('nas.new'), [{ kind: 'form', form: await nasForm(ctx, req.tr, '/nas', { siteId }, true) }])
  })

  app.post('/nas', { config: { access: 'nas' }, schema: { body: formBodySchema } }, async (req, reply) => {
    const input = nasInputFrom(req.body as Body, true)
    const form = await nasForm(ctx, req.tr, '/nas', input, true)
    const r = await fromForm(req, reply, { title: req.tr.t('nas.new'), form }, () => addNas(prisma, ctx.secrets, { ...(input as NewNas), site: '' }, req.actor))
    if (r.ok) return reply.redirect(`/nas/${r.value.id}?saved=1`, 303)
    return reply
  })

  const detailBlocks = async (tr: AdminTranslator, id: number): Promise<{ title: string; blocks: Block[]; form: FormModel }> => {
    const n = await getNas(prisma, id)
    const sessionsNow = await prisma.session.count({ where: { nasId: id, stoppedAt: null } })
    const form = await nasForm(ctx, tr, `/nas/${id}`, { name: n.name, vendor: n.vendor, coaPort: n.coaPort, language: n.language, allowMissingMessageAuthenticator: n.allowMissingMessageAuthenticator, loginHosts: n.loginHosts, allowInsecureFas: n.allowInsecureFas, siteId: n.siteId, address: n.address }, false, n.uamSecretEnc !== null)
    const blocks: Block[] = [
      {
        kind: 'dl',
        test: 'nas-facts',
        items: [
          { term: tr.t('common.state'), detail: nasState(n, tr) },
          { term: tr.t('nas.lastSeen'), detail: tr.when(n.lastSeenAt) },
          { term: tr.t('nas.sessionsNow'), detail: { text: String(sessionsNow), href: `/sessions?nas=${id}` } },
          { term: tr.t('nas.site'), detail: { text: n.site.name, href: `/sites/${n.site.id}` } },
        ],
      },
      { kind: 'heading', text: tr.t('nas.secretsHeading') },
      { kind: 'text', text: tr.t('nas.rotateExplained'), tone: 'muted' },
      {
        kind: 'actions',
        buttons: [
          { action: `/nas/${id}/rotate-secret`, label: tr.t('nas.rotateSecret'), confirm: tr.t('nas.rotateConfirm'), test: 'rotate-secret' },
          { action: `/nas/${id}/rotate-uam-secret`, label: tr.t('nas.rotateUam'), confirm: tr.t('nas.rotateConfirm'), test: 'rotate-uam' },
        ],
      },
      { kind: 'heading', text: tr.t('nas.stateHeading') },
      {
        kind: 'actions',
        buttons: [
          n.disabledAt
            ? { action: `/nas/${id}/enable`, label: tr.t('nas.enable'), test: 'enable-nas' }
            : { action: `/nas/${id}/disable`, label: tr.t('nas.disable'), tone: 'danger', confirm: tr.t('nas.disableConfirm', { name: n.name }), test: 'disable-nas' },
          { action: `/nas/${id}/remove`, label: tr.t('nas.remove'), tone: 'danger', confirm: tr.t('nas.removeConfirm', { name: n.name }), test: 'remove-nas' },
        ],
      },
      { kind: 'text', text: tr.t('nas.removeExplained'), tone: 'muted' },
    ]
    return { title: n.name, blocks, form }
  }

  app.get('/nas/:id', { config: { access: 'nas' }, schema: { params: idParams, querystring: { type: 'object', properties: { saved: { type: 'string' } } } } }, async (req, reply) => {
    const { title, blocks, form } = await detailBlocks(req.tr, (req.params as { id: number }).id)
    const saved: Block[] = (req.query as { saved?: string }).saved ? [{ kind: 'notice', tone: 'ok', text: req.tr.t('common.saved'), test: 'saved' }] : []
    return reply.page(title, [...saved, blocks[0]!, { kind: 'form', form }, ...blocks.slice(1)])
  })

  app.post('/nas/:id', { config: { access: 'nas' }, schema: { params: idParams, body: formBodySchema } }, async (req, reply) => {
    const id = (req.params as { id: number }).id
    const { title, blocks, form } = await detailBlocks(req.tr, id)
    const input = nasInputFrom(req.body as Body, false)
    for (const f of form.fields) {
      if (!('name' in f) || !(f.name in input) || f.type === 'password') continue
      const v = (input as Record<string, unknown>)[f.name === 'ip' ? 'address' : f.name]
      f.value = Array.isArray(v) ? v.join('\n') : (v as string)
    }
    const r = await fromForm(req, reply, { title, form, before: [blocks[0]!], after: blocks.slice(1) }, () => updateNas(prisma, ctx.secrets, id, input, req.actor))
    if (r.ok) return reply.redirect(`/nas/${id}?saved=1`, 303)
    return reply
  })

  for (const [path, which] of [
    ['rotate-secret', 'secret'],
    ['rotate-uam-secret', 'uamSecret'],
  ] as const) {
    app.post(`/nas/:id/${path}`, { config: { access: 'nas' }, schema: { params: idParams, body: formBodySchema } }, async (req, reply) => {
      const tr = req.tr
      const { nas, secret } = await rotateNasSecret(prisma, ctx.secrets, (req.params as { id: number }).id, which, req.actor)
      return reply.page(nas.name, [
        {
          kind: 'notice',
          tone: 'warn',
          test: 'rotated',
          text: which === 'secret' ? tr.t('nas.rotatedSecret') : tr.t('nas.rotatedUam'),
          secret,
          secretLabel: which === 'secret' ? tr.t('nas.secret') : tr.t('nas.uamSecret'),
        },
        { kind: 'actions', links: [{ href: `/nas/${nas.id}`, label: tr.t('common.back') }] },
      ])
    })
  }

  for (const [path, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    app.post(`/nas/:id/${path}`, { config: { access: 'nas' }, schema: { params: idParams, body: formBodySchema } }, async (req, reply) => {
      const id = (req.params as { id: number }).id
      await setNasDisabled(prisma, id, disabled, req.actor)
      return reply.redirect(`/nas/${id}?saved=1`, 303)
    })
  }

  app.post('/nas/:id/remove', { config: { access: 'nas' }, schema: { params: idParams, body: formBodySchema } }, async (req, reply) => {
    await removeNas(prisma, (req.params as { id: number }).id, req.actor)
    return reply.redirect('/nas', 303)
  })
}
