// Terms of use: versions in Vietnamese and English; publishing a new one
// makes returning devices consent again. Pages and /api/v1/terms.
import type { FastifyInstance } from 'fastify'
import type { AppContext } from '../../core/context.js'
import type { Terms } from '../../core/db/generated/client.js'
import { currentTerms, deleteTerms, getTerms, listTerms, publishTerms, updateTerms, type TermsInput } from '../../core/services/terms.js'
import { dateTime, idParams } from '../api.js'
import { formBodySchema, fromForm, str, type Body } from '../forms.js'
import type { AdminTranslator } from '../render.js'
import type { Block, Cell, FormModel } from '../ui.js'

const termsInput = {
  type: 'object',
  additionalProperties: false,
  properties: { version: { type: 'string' }, summaryVi: { type: 'string' }, summaryEn: { type: 'string' }, bodyVi: { type: 'string' }, bodyEn: { type: 'string' } },
} as const

const termsSchema = {
  type: 'object',
  properties: { id: { type: 'integer' }, ...termsInput.properties, effectiveAt: dateTime, current: { type: 'boolean' }, consents: { type: 'integer', description: 'times accepted' } },
} as const

function termsForm(tr: AdminTranslator, action: string, v: Partial<Terms>, submit: string): FormModel {
  return {
    action,
    test: 'terms-form',
    fields: [
      { name: 'version', label: tr.t('terms.version'), type: 'text', value: v.version ?? '', required: true, hint: tr.t('terms.versionHint') },
      { name: 'summaryVi', label: tr.t('terms.summaryVi'), type: 'textarea', rows: 3, value: v.summaryVi ?? '', required: true },
      { name: 'summaryEn', label: tr.t('terms.summaryEn'), type: 'textarea', rows: 3, value: v.summaryEn ?? '', required: true },
      { name: 'bodyVi', label: tr.t('terms.bodyVi'), type: 'textarea', rows: 10, value: v.bodyVi ?? '', required: true },
      { name: 'bodyEn', label: tr.t('terms.bodyEn'), type: 'textarea', rows: 10, value: v.bodyEn ?? '', required: true },
    ],
    submit,
    cancel: { href: '/terms', label: tr.t('common.cancel') },
  }
}

const inputFrom = (b: Body): TermsInput & { version: string } => ({
  version: str(b, 'version') ?? '',
  summaryVi: str(b, 'summaryVi') ?? '',
  summaryEn: str(b, 'summaryEn') ?? '',
  bodyVi: str(b, 'bodyVi') ?? '',
  bodyEn: str(b, 'bodyEn') ?? '',
})

export async function termsArea(app: FastifyInstance, { ctx }: { ctx: AppContext }) {
  const prisma = ctx.db.prisma
  const pageId = { type: 'object', properties: { id: { type: 'integer' } } } as const

  app.get('/terms', { config: { access: 'terms' }, schema: { querystring: { type: 'object', properties: { published: { type: 'string' } } } } }, async (req, reply) => {
    const tr = req.tr
    const list = await listTerms(prisma)
    const published = (req.query as { published?: string }).published
    const rows: Cell[][] = list.map((t) => [
      { text: t.version, href: `/terms/${t.id}`, test: 'terms-link' },
      tr.when(t.effectiveAt),
      t.current ? { text: tr.t('terms.current'), badge: 'ok', test: 'terms-current' } : { text: tr.t('terms.earlier'), badge: 'muted' },
      t.consents,
    ])
    const blocks: Block[] = []
    if (published !== undefined) blocks.push({ kind: 'notice', tone: 'ok', text: tr.t('terms.published', { n: published }), test: 'published' })
    blocks.push(
      { kind: 'text', text: tr.t('terms.explained'), tone: 'muted' },
      { kind: 'actions', links: [{ href: '/terms/new', label: tr.t('terms.new'), test: 'new-terms' }] },
      { kind: 'table', test: 'terms', columns: [tr.t('terms.version'), tr.t('terms.effectiveAt'), tr.t('common.state'), tr.t('terms.consents')], numeric: [3], rows, empty: '—' },
    )
    return reply.page(tr.t('terms.title'), blocks)
  })

  app.get('/terms/new', { config: { access: 'terms' }, schema: {} }, async (req, reply) => {
    const current = await currentTerms(prisma)
    return reply.page(req.tr.t('terms.new'), [
      { kind: 'notice', tone: 'warn', text: req.tr.t('terms.publishWarning') },
      { kind: 'form', form: termsForm(req.tr, '/terms', { ...current, version: '' }, req.tr.t('terms.publish')) },
    ])
  })

  app.post('/terms', { config: { access: 'terms' }, schema: { body: formBodySchema } }, async (req, reply) => {
    const input = inputFrom(req.body as Body)
    const form = termsForm(req.tr, '/terms', input, req.tr.t('terms.publish'))
    const r = await fromForm(req, reply, { title: req.tr.t('terms.new'), form }, () => publishTerms(prisma, input, req.actor))
    if (r.ok) return reply.redirect(`/terms?published=${r.value.endedConsents}`, 303)
    return reply
  })

  app.get('/terms/:id', { config: { access: 'terms' }, schema: { params: pageId } }, async (req, reply) => {
    const tr = req.tr
    const t = await getTerms(prisma, (req.params as { id: number }).id)
    const blocks: Block[] = [
      { kind: 'dl', items: [{ term: tr.t('terms.effectiveAt'), detail: tr.when(t.effectiveAt) }, { term: tr.t('terms.consents'), detail: String(t.consents) }] },
      { kind: 'heading', text: 'Tiếng Việt' },
      { kind: 'text', text: t.summaryVi },
      { kind: 'pre', text: t.bodyVi },
      { kind: 'heading', text: 'English' },
      { kind: 'text', text: t.summaryEn },
      { kind: 'pre', text: t.bodyEn },
    ]
    if (!t.consents) {
      blocks.push(
        { kind: 'heading', text: tr.t('terms.correct') },
        { kind: 'form', form: termsForm(tr, `/terms/${t.id}`, t, tr.t('common.save')) },
        { kind: 'actions', buttons: [{ action: `/terms/${t.id}/delete`, label: tr.t('terms.delete'), tone: 'danger', confirm: tr.t('terms.deleteConfirm', { version: t.version }) }] },
      )
    } else blocks.push({ kind: 'text', text: tr.t('terms.accepted'), tone: 'muted' })
    return reply.page(tr.t('terms.versionTitle', { version: t.version }), blocks)
  })

  app.post('/terms/:id', { config: { access: 'terms' }, schema: { params: pageId, body: formBodySchema } }, async (req, reply) => {
    const id = (req.params as { id: number }).id
    const input = inputFrom(req.body as Body)
    const form = termsForm(req.tr, `/terms/${id}`, input, req.tr.t('common.save'))
    const r = await fromForm(req, reply, { title: req.tr.t('terms.correct'), form }, () => updateTerms(prisma, id, input, req.actor))
    if (r.ok) return reply.redirect(`/terms/${id}`, 303)
    return reply
  })

  app.post('/terms/:id/delete', { config: { access: 'terms' }, schema: { params: pageId, body: formBodySchema } }, async (req, reply) => {
    await deleteTerms(prisma, (req.params as { id: number }).id, req.actor)
    return reply.redirect('/terms', 303)
  })

  // --- /api/v1/terms ---------------------------------------------------------------
  app.get('/api/v1/terms', { config: { access: 'terms' }, schema: { summary: 'Versions of the terms of use, newest first', response: { 200: { type: 'object', properties: { items: { type: 'array', items: termsSchema } } } } } }, async () => ({
    items: await listTerms(prisma),
  }))
  app.post(
    '/api/v1/terms',
    {
      config: { access: 'terms' },
      schema: {
        summary: 'Publish a new version, in force at once: returning devices consent again',
        body: { ...termsInput, required: ['version', 'summaryVi', 'summaryEn', 'bodyVi', 'bodyEn'] },
        response: { 201: { ...termsSchema, properties: { ...termsSchema.properties, endedConsents: { type: 'integer' } } } },
      },
    },
    async (req, reply) => {
      const { terms, endedConsents } = await publishTerms(prisma, req.body as TermsInput & { version: string }, req.actor)
      return reply.code(201).send({ ...terms, current: true, consents: 0, endedConsents })
    },
  )
  app.get('/api/v1/terms/:id', { config: { access: 'terms' }, schema: { summary: 'One version', params: idParams, response: { 200: termsSchema } } }, async (req) => {
    const t = await getTerms(prisma, (req.params as { id: number }).id)
    return { ...t, current: (await currentTerms(prisma)).id === t.id }
  })
  app.patch(
    '/api/v1/terms/:id',
    { config: { access: 'terms' }, schema: { summary: 'Correct a version nobody has accepted yet', params: idParams, body: termsInput, response: { 200: termsSchema } } },
    async (req) => {
      const id = (req.params as { id: number }).id
      await updateTerms(prisma, id, req.body as TermsInput, req.actor)
      const t = await getTerms(prisma, id)
      return { ...t, current: (await currentTerms(prisma)).id === t.id }
    },
  )
  app.delete('/api/v1/terms/:id', { config: { access: 'terms' }, schema: { summary: 'Remove a version nobody accepted', params: idParams, response: { 204: { type: 'null' } } } }, async (req, reply) => {
    await deleteTerms(prisma, (req.params as { id: number }).id, req.actor)
    return reply.code(204).send()
  })
}
