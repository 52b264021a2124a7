// Staff accounts and API tokens (admins only): pages and /api/v1/staff,
// /api/v1/tokens. Passwords and tokens are shown once, never stored in clear.
import type { FastifyInstance } from 'fastify'
import type { AppContext } from '../../core/context.js'
import { addAdminUser, getStaff, listStaff, resetStaffPassword, ROLES, updateStaff, type StaffView } from '../../core/services/staff.js'
import { createApiToken, listTokens, revokeToken, type TokenView } from '../../core/services/tokens.js'
import { dateTime, idParams, nullableDateTime } from '../api.js'
import { checked, formBodySchema, fromForm, str, type Body } from '../forms.js'
import type { AdminTranslator } from '../render.js'
import type { Block, Cell, FormModel } from '../ui.js'

const staffSchema = {
  type: 'object',
  properties: { id: { type: 'integer' }, username: { type: 'string' }, role: { type: 'string', enum: [...ROLES] }, disabled: { type: 'boolean' }, createdAt: dateTime, lastLoginAt: nullableDateTime, passwordChangedAt: nullableDateTime },
} as const
const tokenSchema = {
  type: 'object',
  properties: { id: { type: 'integer' }, name: { type: 'string' }, role: { type: 'string', enum: [...ROLES] }, prefix: { type: 'string' }, createdAt: dateTime, lastUsedAt: nullableDateTime, revokedAt: nullableDateTime },
} as const

const staffView = (u: StaffView) => ({ ...u, disabled: u.disabledAt !== null })
const roleOptions = (tr: AdminTranslator) => ROLES.map((r) => ({ value: r, label: `${tr.t(`role.${r}`)} — ${tr.t(`role.${r}.what`)}` }))

function newStaffForm(tr: AdminTranslator, v: Record<string, string | undefined> = {}): FormModel {
  return {
    action: '/staff',
    test: 'staff-form',
    fields: [
      { name: 'username', label: tr.t('staff.username'), type: 'text', value: v.username ?? '', required: true, autocomplete: 'off' },
      { name: 'role', label: tr.t('staff.role'), type: 'select', value: v.role ?? 'operator', options: roleOptions(tr) },
      { name: 'password', label: tr.t('staff.password'), type: 'password', required: true, autocomplete: 'new-password', hint: tr.t('account.newHint') },
    ],
    submit: tr.t('staff.create'),
    cancel: { href: '/staff', label: tr.t('common.cancel') },
  }
}

function tokenForm(tr: AdminTranslator, v: Record<string, string | undefined> = {}): FormModel {
  return {
    action: '/tokens',
    test: 'token-form',
    fields: [
      { name: 'name', label: tr.t('token.name'), type: 'text', value: v.name ?? '', required: true, hint: tr.t('token.nameHint') },
      { name: 'role', label: tr.t('staff.role'), type: 'select', value: v.role ?? 'viewer', options: roleOptions(tr) },
    ],
    submit: tr.t('token.create'),
  }
}

export async function staffArea(app: FastifyInstance, { ctx }: { ctx: AppContext }) {
  const prisma = ctx.db.prisma
  const pageId = { type: 'object', properties: { id: { type: 'integer' } } } as const

  const staffPage = async (tr: AdminTranslator, before: Block[] = []) => {
    const list = await listStaff(prisma)
    const rows: Cell[][] = list.map((u) => [
      { text: u.username, href: `/staff/${u.id}`, test: 'staff-link' },
      tr.t(`role.${u.role}`),
      u.disabledAt ? { text: tr.t('staff.disabled'), badge: 'muted' } : { text: tr.t('staff.enabled'), badge: 'ok' },
      tr.when(u.lastLoginAt),
    ])
    return [...before, { kind: 'actions', links: [{ href: '/staff/new', label: tr.t('staff.new'), test: 'new-staff' }] }, { kind: 'table', test: 'staff', columns: [tr.t('staff.username'), tr.t('staff.role'), tr.t('common.state'), tr.t('staff.lastLogin')], rows, empty: '—' }] as Block[]
  }

  app.get('/staff', { config: { access: 'staff' }, schema: {} }, async (req, reply) => reply.page(req.tr.t('staff.title'), await staffPage(req.tr)))
  app.get('/staff/new', { config: { access: 'staff' }, schema: {} }, async (req, reply) => reply.page(req.tr.t('staff.new'), [{ kind: 'form', form: newStaffForm(req.tr) }]))
  app.post('/staff', { config: { access: 'staff' }, schema: { body: formBodySchema } }, async (req, reply) => {
    const b = req.body as Body
    const v = { username: str(b, 'username') ?? '', role: str(b, 'role') ?? '', password: str(b, 'password') ?? '' }
    const r = await fromForm(req, reply, { title: req.tr.t('staff.new'), form: newStaffForm(req.tr, v) }, () => addAdminUser(prisma, v, req.actor))
    if (r.ok) return reply.redirect(`/staff/${r.value.id}?saved=1`, 303)
    return reply
  })

  const editForm = (tr: AdminTranslator, u: StaffView): FormModel => ({
    action: `/staff/${u.id}`,
    test: 'staff-edit',
    fields: [
      { name: 'role', label: tr.t('staff.role'), type: 'select', value: u.role, options: roleOptions(tr) },
      { name: 'disabled', label: tr.t('staff.disableAccount'), type: 'checkbox', value: u.disabledAt !== null, hint: tr.t('staff.disableHint') },
    ],
    submit: tr.t('common.save'),
    cancel: { href: '/staff', label: tr.t('common.cancel') },
  })
  const editBlocks = (tr: AdminTranslator, u: StaffView): Block[] => [
    { kind: 'dl', items: [{ term: tr.t('staff.lastLogin'), detail: tr.when(u.lastLoginAt) }, { term: tr.t('staff.passwordChanged'), detail: tr.when(u.passwordChangedAt) }] },
  ]
  const resetBlocks = (tr: AdminTranslator, u: StaffView): Block[] => [
    { kind: 'heading', text: tr.t('staff.resetHeading') },
    { kind: 'actions', buttons: [{ action: `/staff/${u.id}/reset-password`, label: tr.t('staff.reset'), tone: 'danger', confirm: tr.t('staff.resetConfirm', { username: u.username }), test: 'reset-password' }] },
  ]

  app.get('/staff/:id', { config: { access: 'staff' }, schema: { params: pageId, querystring: { type: 'object', properties: { saved: { type: 'string' } } } } }, async (req, reply) => {
    const tr = req.tr
    const u = await getStaff(prisma, (req.params as { id: number }).id)
    const saved: Block[] = (req.query as { saved?: string }).saved ? [{ kind: 'notice', tone: 'ok', text: tr.t('common.saved'), test: 'saved' }] : []
    return reply.page(u.username, [...saved, ...editBlocks(tr, u), { kind: 'form', form: editForm(tr, u) }, ...resetBlocks(tr, u)])
  })
  app.post('/staff/:id', { config: { access: 'staff' }, schema: { params: pageId, body: formBodySchema } }, async (req, reply) => {
    const u = await getStaff(prisma, (req.params as { id: number }).id)
    const b = req.body as Body
    const r = await fromForm(req, reply, { title: u.username, form: editForm(req.tr, u), before: editBlocks(req.tr, u) }, () =>
      updateStaff(prisma, u.id, { role: str(b, 'role'), disabled: checked(b, 'disabled') }, req.actor),
    )
    if (r.ok) return reply.redirect(`/staff/${u.id}?saved=1`, 303)
    return reply
  })
  app.post('/staff/:id/reset-password', { config: { access: 'staff' }, schema: { params: pageId, body: formBodySchema } }, async (req, reply) => {
    const tr = req.tr
    const { user, password } = await resetStaffPassword(prisma, (req.params as { id: number }).id, req.actor)
    return reply.page(user.username, [
      { kind: 'notice', tone: 'warn', text: tr.t('staff.resetDone'), secret: password, secretLabel: tr.t('staff.password'), test: 'new-password' },
      { kind: 'actions', links: [{ href: `/staff/${user.id}`, label: tr.t('common.back') }] },
    ])
  })

  // --- tokens ---------------------------------------------------------------------
  const tokenRows = (tr: AdminTranslator, list: TokenView[]): Cell[][] =>
    list.map((t) => [
      t.name,
      tr.t(`role.${t.role}`),
      { text: `${t.prefix}…`, mono: true },
      tr.when(t.createdAt),
      tr.when(t.lastUsedAt),
      t.revokedAt
        ? { text: tr.t('token.revoked'), badge: 'muted' }
        : { buttons: [{ action: `/tokens/${t.id}/revoke`, label: tr.t('token.revoke'), tone: 'danger', confirm: tr.t('token.revokeConfirm', { name: t.name }), test: 'revoke-token' }] },
    ])
  const tokensPage = async (tr: AdminTranslator, before: Block[], form = tokenForm(tr)): Promise<Block[]> => [
    ...before,
    { kind: 'table', test: 'tokens', columns: [tr.t('token.name'), tr.t('staff.role'), tr.t('token.prefix'), tr.t('token.created'), tr.t('token.lastUsed'), ''], rows: tokenRows(tr, await listTokens(prisma)), empty: tr.t('token.none') },
    { kind: 'heading', text: tr.t('token.new') },
    { kind: 'text', text: tr.t('token.explained'), tone: 'muted' },
    { kind: 'form', form },
  ]

  app.get('/tokens', { config: { access: 'tokens' }, schema: {} }, async (req, reply) => reply.page(req.tr.t('token.title'), await tokensPage(req.tr, [])))
  app.post('/tokens', { config: { access: 'tokens' }, schema: { body: formBodySchema } }, async (req, reply) => {
    const tr = req.tr
    const b = req.body as Body
    const v = { name: str(b, 'name') ?? '', role: str(b, 'role') ?? '' }
    const form = tokenForm(tr, v)
    const r = await fromForm(req, reply, { title: tr.t('token.title'), form }, () => createApiToken(prisma, v, req.actor))
    if (!r.ok) return reply
    return reply.page(tr.t('token.title'), await tokensPage(tr, [{ kind: 'notice', tone: 'warn', text: tr.t('token.created', { name: r.value.name }), secret: r.value.token, secretLabel: tr.t('token.token'), test: 'new-token' }]))
  })
  app.post('/tokens/:id/revoke', { config: { access: 'tokens' }, schema: { params: pageId, body: formBodySchema } }, async (req, reply) => {
    await revokeToken(prisma, (req.params as { id: number }).id, req.actor)
    return reply.redirect('/tokens', 303)
  })

  // --- /api/v1/staff, /api/v1/tokens ---------------------------------------------------
  app.get('/api/v1/staff', { config: { access: 'staff' }, schema: { summary: 'Staff accounts', response: { 200: { type: 'object', properties: { items: { type: 'array', items: staffSchema } } } } } }, async () => ({
    items: (await listStaff(prisma)).map(staffView),
  }))
  app.post(
    '/api/v1/staff',
    {
      config: { access: 'staff' },
      schema: {
        summary: 'Create a staff account',
        body: { type: 'object', required: ['username', 'role', 'password'], additionalProperties: false, properties: { username: { type: 'string' }, role: { type: 'string' }, password: { type: 'string' } } },
        response: { 201: staffSchema },
      },
    },
    async (req, reply) => {
      const u = await addAdminUser(prisma, req.body as { username: string; role: string; password: string }, req.actor)
      return reply.code(201).send(staffView(await getStaff(prisma, u.id)))
    },
  )
  app.get('/api/v1/staff/:id', { config: { access: 'staff' }, schema: { summary: 'One staff account', params: idParams, response: { 200: staffSchema } } }, async (req) =>
    staffView(await getStaff(prisma, (req.params as { id: number }).id)),
  )
  app.patch(
    '/api/v1/staff/:id',
    {
      config: { access: 'staff' },
      schema: {
        summary: 'Change role, disable or enable (a disabled account is signed out at once)',
        params: idParams,
        body: { type: 'object', additionalProperties: false, properties: { role: { type: 'string' }, disabled: { type: 'boolean' } } },
        response: { 200: staffSchema },
      },
    },
    async (req) => staffView(await updateStaff(prisma, (req.params as { id: number }).id, req.body as { role?: string; disabled?: boolean }, req.actor)),
  )
  app.post(
    '/api/v1/staff/:id/reset-password',
    { config: { access: 'staff' }, schema: { summary: 'A new random password, returned once; the account is signed out everywhere', params: idParams, response: { 200: { type: 'object', properties: { password: { type: 'string' }, user: staffSchema } } } } },
    async (req, reply) => {
      const { user, password } = await resetStaffPassword(prisma, (req.params as { id: number }).id, req.actor)
      reply.header('cache-control', 'no-store')
      return { password, user: staffView(user) }
    },
  )
  app.get('/api/v1/tokens', { config: { access: 'tokens' }, schema: { summary: 'API tokens (never the token itself)', response: { 200: { type: 'object', properties: { items: { type: 'array', items: tokenSchema } } } } } }, async () => ({
    items: await listTokens(prisma),
  }))
  app.post(
    '/api/v1/tokens',
    {
      config: { access: 'tokens' },
      schema: {
        summary: 'Create an API token; it is in this answer once and never again',
        body: { type: 'object', required: ['name', 'role'], additionalProperties: false, properties: { name: { type: 'string' }, role: { type: 'string' } } },
        response: { 201: { type: 'object', properties: { id: { type: 'integer' }, name: { type: 'string' }, role: { type: 'string' }, token: { type: 'string' } } } },
      },
    },
    async (req, reply) => reply.code(201).header('cache-control', 'no-store').send(await createApiToken(prisma, req.body as { name: string; role: string }, req.actor)),
  )
  app.delete('/api/v1/tokens/:id', { config: { access: 'tokens' }, schema: { summary: 'Revoke a token', params: idParams, response: { 200: tokenSchema } } }, async (req) =>
    revokeToken(prisma, (req.params as { id: number }).id, req.actor),
  )
}
