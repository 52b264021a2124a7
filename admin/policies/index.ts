// Policies, in the units people use (minutes, Mbit/s, MB per day, GB per
// month, devices at once), attached to sites; pages and /api/v1/policies.
import type { FastifyInstance } from 'fastify'
import type { AppContext } from '../../core/context.js'
import type { Policy } from '../../core/db/generated/client.js'
import { createPolicy, deletePolicy, getPolicy, listPolicies, updatePolicy, type PolicyInput } from '../../core/services/policies.js'
import { listSites, updateSite } from '../../core/services/sites.js'
import { dateTime, idParams } from '../api.js'
import { checked, formBodySchema, fromForm, num, scaled, type Body } from '../forms.js'
import type { AdminTranslator } from '../render.js'
import type { Block, Cell, Field, FormModel } from '../ui.js'

const nullableInt = { type: ['integer', 'null'] } as const

export const policyInputSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: { type: 'string' },
    sessionMinutes: { type: 'integer', description: 'online time per login' },
    idleMinutes: { type: 'integer' },
    interimSeconds: { type: 'integer', description: 'Acct-Interim-Interval' },
    downKbps: { ...nullableInt, description: 'kbit/s to the device; null: no limit' },
    upKbps: nullableInt,
    sessionMegabytes: { ...nullableInt, description: 'MB (10^6 bytes) per login' },
    dailyMinutes: nullableInt,
    dailyMegabytes: nullableInt,
    monthlyMinutes: nullableInt,
    monthlyMegabytes: nullableInt,
    simultaneousUse: { type: 'integer', description: 'devices at once per login' },
    consentDays: { type: 'integer', description: 'days a device returns without the splash page' },
  },
} as const

export const policySchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    ...policyInputSchema.properties,
    sites: { type: 'array', items: { type: 'object', properties: { id: { type: 'integer' }, name: { type: 'string' } } } },
    createdAt: dateTime,
    updatedAt: dateTime,
  },
} as const

const mbit = (kbps: number | null) => (kbps === null ? '' : String(kbps / 1000))
const gb = (mb: number | null) => (mb === null ? '' : String(mb / 1000))

function policyInputFrom(b: Body): PolicyInput & { name: string } {
  const int = (k: string) => num(b, k)
  return {
    name: (b.name as string | undefined) ?? '',
    sessionMinutes: int('sessionMinutes') ?? NaN,
    idleMinutes: int('idleMinutes') ?? NaN,
    interimSeconds: int('interimSeconds') ?? NaN,
    downKbps: scaled(b, 'downMbps', 1000),
    upKbps: scaled(b, 'upMbps', 1000),
    sessionMegabytes: int('sessionMegabytes'),
    dailyMinutes: int('dailyMinutes'),
    dailyMegabytes: int('dailyMegabytes'),
    monthlyMinutes: scaled(b, 'monthlyHours', 60),
    monthlyMegabytes: scaled(b, 'monthlyGigabytes', 1000),
    simultaneousUse: int('simultaneousUse') ?? NaN,
    consentDays: int('consentDays') ?? NaN,
  }
}

// Form field names in the units shown; the service's field names map onto them for errors.
const FIELD_OF: Record<string, string> = { downKbps: 'downMbps', upKbps: 'upMbps', monthlyMinutes: 'monthlyHours', monthlyMegabytes: 'monthlyGigabytes' }

function policyForm(tr: AdminTranslator, action: string, v: Partial<Policy>, submit: string, sites?: { id: number; name: string; policyId: number | null }[], policyId?: number): FormModel {
  const n = (x: number | null | undefined) => (x === null || x === undefined ? '' : x)
  const limit = tr.t('policy.noLimitHint')
  const fields: FormModel['fields'] = [
    { name: 'name', label: tr.t('policy.name'), type: 'text', value: v.name ?? '', required: true },
    {
      legend: tr.t('policy.perLogin'),
      fields: [
        { name: 'sessionMinutes', label: tr.t('policy.sessionMinutes'), type: 'number', value: v.sessionMinutes ?? 30, unit: tr.t('unit.minutes'), required: true },
        { name: 'idleMinutes', label: tr.t('policy.idleMinutes'), type: 'number', value: v.idleMinutes ?? 10, unit: tr.t('unit.minutes'), required: true },
        { name: 'downMbps', label: tr.t('policy.down'), type: 'number', step: 'any', value: mbit(v.downKbps ?? null), unit: 'Mbit/s', hint: limit },
        { name: 'upMbps', label: tr.t('policy.up'), type: 'number', step: 'any', value: mbit(v.upKbps ?? null), unit: 'Mbit/s', hint: limit },
        { name: 'sessionMegabytes', label: tr.t('policy.sessionData'), type: 'number', value: n(v.sessionMegabytes), unit: 'MB', hint: limit },
        { name: 'simultaneousUse', label: tr.t('policy.simultaneousUse'), type: 'number', value: v.simultaneousUse ?? 1, unit: tr.t('unit.devices'), required: true },
      ],
    },
    {
      legend: tr.t('policy.quotas'),
      hint: tr.t('policy.quotasHint'),
      fields: [
        { name: 'dailyMinutes', label: tr.t('policy.dailyMinutes'), type: 'number', value: n(v.dailyMinutes), unit: tr.t('unit.minutes') },
        { name: 'dailyMegabytes', label: tr.t('policy.dailyData'), type: 'number', value: n(v.dailyMegabytes), unit: 'MB' },
        { name: 'monthlyHours', label: tr.t('policy.monthlyHours'), type: 'number', step: 'any', value: v.monthlyMinutes ? v.monthlyMinutes / 60 : '', unit: tr.t('unit.hours') },
        { name: 'monthlyGigabytes', label: tr.t('policy.monthlyData'), type: 'number', step: 'any', value: gb(v.monthlyMegabytes ?? null), unit: 'GB' },
      ],
    },
    {
      legend: tr.t('policy.other'),
      fields: [
        { name: 'consentDays', label: tr.t('policy.consentDays'), type: 'number', value: v.consentDays ?? 30, unit: tr.t('unit.days'), hint: tr.t('policy.consentDaysHint') },
        { name: 'interimSeconds', label: tr.t('policy.interimSeconds'), type: 'number', value: v.interimSeconds ?? 300, unit: tr.t('unit.seconds'), hint: tr.t('policy.interimHint') },
      ],
    },
  ]
  if (sites?.length) {
    fields.push({
      legend: tr.t('policy.attach'),
      hint: tr.t('policy.attachHint'),
      fields: sites.map<Field>((s) => ({ name: `site.${s.id}`, label: s.name, type: 'checkbox', value: policyId !== undefined && s.policyId === policyId })),
    })
  }
  return { action, test: 'policy-form', fields, submit, cancel: { href: '/policies', label: tr.t('common.cancel') } }
}

function policyView(p: Policy & { sites?: { id: number; name: string }[] }) {
  return { ...p, sites: p.sites ?? [] }
}

export async function policiesArea(app: FastifyInstance, { ctx }: { ctx: AppContext }) {
  const prisma = ctx.db.prisma
  const fix = (err: unknown) => {
    // Errors name the stored fields; the form shows other units.
    for (const p of (err as { problems?: { field?: string }[] }).problems ?? []) if (p.field && FIELD_OF[p.field]) p.field = FIELD_OF[p.field]
    throw err
  }

  const attach = async (policyId: number, b: Body, actor: Parameters<typeof updateSite>[3]) => {
    for (const s of await listSites(prisma)) {
      const want = checked(b, `site.${s.id}`)
      if (want && s.policyId !== policyId) await updateSite(prisma, s.id, { policyId }, actor)
      else if (!want && s.policyId === policyId) await updateSite(prisma, s.id, { policyId: null }, actor)
    }
  }

  app.get('/policies', { config: { access: 'policies' }, schema: {} }, async (req, reply) => {
    const tr = req.tr
    const list = await listPolicies(prisma)
    const limit = (x: number | null, f: (n: number) => string) => (x === null ? tr.t('policy.none') : f(x))
    const rows: Cell[][] = list.map((p) => [
      { text: p.name, href: `/policies/${p.id}`, test: 'policy-link' },
      tr.duration(p.sessionMinutes * 60),
      p.downKbps === null && p.upKbps === null ? tr.t('policy.none') : `${limit(p.downKbps, (k) => tr.number(k / 1000))} / ${limit(p.upKbps, (k) => tr.number(k / 1000))} Mbit/s`,
      limit(p.dailyMinutes, (m) => tr.duration(m * 60)),
      limit(p.dailyMegabytes, (m) => `${tr.number(m)} MB`),
      p.simultaneousUse,
      p.siteCount,
    ])
    return reply.page(tr.t('policy.title'), [
      { kind: 'actions', links: [{ href: '/policies/new', label: tr.t('policy.new'), test: 'new-policy' }] },
      { kind: 'table', test: 'policies', columns: [tr.t('policy.name'), tr.t('policy.sessionMinutes'), tr.t('policy.speed'), tr.t('policy.dailyMinutes'), tr.t('policy.dailyData'), tr.t('policy.simultaneousUse'), tr.t('policy.sites')], numeric: [5, 6], rows, empty: tr.t('policy.empty') },
    ])
  })

  app.get('/policies/new', { config: { access: 'policies' }, schema: {} }, async (req, reply) => {
    const sites = await listSites(prisma)
    return reply.page(req.tr.t('policy.new'), [{ kind: 'form', form: policyForm(req.tr, '/policies', {}, req.tr.t('policy.create'), sites) }])
  })

  app.post('/policies', { config: { access: 'policies' }, schema: { body: formBodySchema } }, async (req, reply) => {
    const b = req.body as Body
    const input = policyInputFrom(b)
    const sites = await listSites(prisma)
    const form = policyForm(req.tr, '/policies', {}, req.tr.t('policy.create'), sites)
    for (const f of form.fields.flatMap((x) => ('legend' in x ? x.fields : [x]))) if (f.type !== 'checkbox' && b[f.name] !== undefined) f.value = b[f.name] as string
    const r = await fromForm(req, reply, { title: req.tr.t('policy.new'), form }, async () => {
      const p = await createPolicy(prisma, input, req.actor).catch(fix)
      await attach(p.id, b, req.actor)
      return p
    })
    if (r.ok) return reply.redirect(`/policies/${r.value.id}?saved=1`, 303)
    return reply
  })

  const idParamsPage = { type: 'object', properties: { id: { type: 'integer' } } } as const

  app.get('/policies/:id', { config: { access: 'policies' }, schema: { params: idParamsPage, querystring: { type: 'object', properties: { saved: { type: 'string' } } } } }, async (req, reply) => {
    const tr = req.tr
    const p = await getPolicy(prisma, (req.params as { id: number }).id)
    const sites = await listSites(prisma)
    const blocks: Block[] = []
    if ((req.query as { saved?: string }).saved) blocks.push({ kind: 'notice', tone: 'ok', text: tr.t('policy.saved'), test: 'saved' })
    blocks.push({ kind: 'form', form: policyForm(tr, `/policies/${p.id}`, p, tr.t('common.save'), sites, p.id) })
    blocks.push({ kind: 'actions', buttons: [{ action: `/policies/${p.id}/delete`, label: tr.t('policy.delete'), tone: 'danger', confirm: tr.t('policy.deleteConfirm', { name: p.name }), test: 'delete-policy' }] })
    return reply.page(p.name, blocks)
  })

  app.post('/policies/:id', { config: { access: 'policies' }, schema: { params: idParamsPage, body: formBodySchema } }, async (req, reply) => {
    const b = req.body as Body
    const p = await getPolicy(prisma, (req.params as { id: number }).id)
    const sites = await listSites(prisma)
    const form = policyForm(req.tr, `/policies/${p.id}`, p, req.tr.t('common.save'), sites, p.id)
    for (const f of form.fields.flatMap((x) => ('legend' in x ? x.fields : [x]))) if (f.type !== 'checkbox' && b[f.name] !== undefined) f.value = b[f.name] as string
    const r = await fromForm(req, reply, { title: p.name, form }, async () => {
      await updatePolicy(prisma, p.id, policyInputFrom(b), req.actor).catch(fix)
      await attach(p.id, b, req.actor)
    })
    if (r.ok) return reply.redirect(`/policies/${p.id}?saved=1`, 303)
    return reply
  })

  app.post('/policies/:id/delete', { config: { access: 'policies' }, schema: { params: idParamsPage, body: formBodySchema } }, async (req, reply) => {
    await deletePolicy(prisma, (req.params as { id: number }).id, req.actor)
    return reply.redirect('/policies', 303)
  })

  // --- /api/v1/policies --------------------------------------------------------
  app.get(
    '/api/v1/policies',
    { config: { access: 'policies' }, schema: { summary: 'List policies', response: { 200: { type: 'object', properties: { items: { type: 'array', items: policySchema } } } } } },
    async () => ({ items: await Promise.all((await listPolicies(prisma)).map(async (p) => policyView(await getPolicy(prisma, p.id)))) }),
  )
  app.post(
    '/api/v1/policies',
    { config: { access: 'policies' }, schema: { summary: 'Create a policy', body: { ...policyInputSchema, required: ['name'] }, response: { 201: policySchema } } },
    async (req, reply) => reply.code(201).send(policyView(await createPolicy(prisma, req.body as PolicyInput & { name: string }, req.actor))),
  )
  app.get('/api/v1/policies/:id', { config: { access: 'policies' }, schema: { summary: 'One policy and the sites using it', params: idParams, response: { 200: policySchema } } }, async (req) =>
    policyView(await getPolicy(prisma, (req.params as { id: number }).id)),
  )
  app.patch(
    '/api/v1/policies/:id',
    { config: { access: 'policies' }, schema: { summary: 'Change a policy; RADIUS applies it from the next login', params: idParams, body: policyInputSchema, response: { 200: policySchema } } },
    async (req) => {
      const id = (req.params as { id: number }).id
      await updatePolicy(prisma, id, req.body as PolicyInput, req.actor)
      return policyView(await getPolicy(prisma, id))
    },
  )
  app.delete(
    '/api/v1/policies/:id',
    { config: { access: 'policies' }, schema: { summary: 'Remove a policy no site uses', params: idParams, response: { 204: { type: 'null' } } } },
    async (req, reply) => {
      await deletePolicy(prisma, (req.params as { id: number }).id, req.actor)
      return reply.code(204).send()
    },
  )
}
