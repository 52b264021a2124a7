// Vouchers: batches with progress, list and search with state, revoke a code
// or a batch, CSV export, the printable A4 sheet; pages and /api/v1/vouchers.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { AppContext } from '../../core/context.js'
import { InputError } from '../../core/errors.js'
import { auditEvent } from '../../core/services/audit.js'
import { isLang } from '../../core/i18n.js'
import { listSites } from '../../core/services/sites.js'
import {
  createVouchers,
  getBatch,
  listBatches,
  listVouchers,
  revokeBatch,
  revokeVoucher,
  VOUCHER_STATES,
  vouchersCsv,
  type NewVouchers,
  type VoucherQuery,
  type VoucherRow,
  type VoucherState,
} from '../../core/services/vouchers.js'
import { dateTime, nullableDateTime, pageOf } from '../api.js'
import { formBodySchema, fromForm, intParam, num, str, strOrNull, type Body } from '../forms.js'
import { AdminTranslator } from '../render.js'
import type { Block, Cell, FormModel } from '../ui.js'
import { getJob, startJob } from './jobs.js'
import { groupedCode, qrSvg, wifiQrText } from './print.js'

/** Batches up to this size are made while the request waits; larger ones in the background with progress. */
const SYNC_BATCH = 2000

const STATE_TONE: Record<VoucherState, 'ok' | 'warn' | 'error' | 'muted' | 'info'> = { unused: 'info', in_use: 'ok', used_up: 'muted', expired: 'warn', revoked: 'error' }

const voucherSchema = {
  type: 'object',
  properties: {
    code: { type: 'string' },
    site: { type: ['object', 'null'], properties: { id: { type: 'integer' }, name: { type: 'string' } } },
    batch: { type: ['string', 'null'] },
    state: { type: 'string', enum: [...VOUCHER_STATES] },
    minutes: { type: ['integer', 'null'] },
    maxDevices: { type: 'integer' },
    validUntil: nullableDateTime,
    firstUsedAt: nullableDateTime,
    usedSeconds: { type: 'integer' },
    revokedAt: nullableDateTime,
    createdAt: dateTime,
    devices: { type: 'integer' },
    online: { type: 'integer' },
  },
} as const

const voucherView = (v: VoucherRow) => ({ ...v, site: v.siteId === null ? null : { id: v.siteId, name: v.siteName ?? '' } })

const queryFrom = (q: Record<string, string | undefined>): VoucherQuery => ({
  siteId: intParam(q.site),
  batch: q.batch || undefined,
  state: (VOUCHER_STATES as readonly string[]).includes(q.state ?? '') ? (q.state as VoucherState) : undefined,
  code: q.code?.trim() || undefined,
  cursor: intParam(q.cursor),
})

function newBatchForm(tr: AdminTranslator, sites: { id: number; name: string }[], v: Partial<Record<string, string>> = {}): FormModel {
  return {
    action: '/vouchers',
    test: 'voucher-form',
    fields: [
      { name: 'siteId', label: tr.t('voucher.site'), type: 'select', value: v.siteId ?? '', options: sites.map((s) => ({ value: String(s.id), label: s.name })), required: true },
      { name: 'count', label: tr.t('voucher.count'), type: 'number', value: v.count ?? '20', min: 1, max: 100_000, required: true },
      { name: 'minutes', label: tr.t('voucher.minutes'), type: 'number', value: v.minutes ?? '60', unit: tr.t('unit.minutes'), hint: tr.t('voucher.minutesHint') },
      { name: 'validDays', label: tr.t('voucher.validDays'), type: 'number', value: v.validDays ?? '30', unit: tr.t('unit.days') },
      { name: 'maxDevices', label: tr.t('voucher.devices'), type: 'number', value: v.maxDevices ?? '1', unit: tr.t('unit.devices') },
      { name: 'note', label: tr.t('voucher.note'), type: 'text', value: v.note ?? '', hint: tr.t('voucher.noteHint') },
    ],
    submit: tr.t('voucher.create'),
    cancel: { href: '/vouchers', label: tr.t('common.cancel') },
  }
}

function inputFrom(b: Body): NewVouchers {
  const n = (k: string) => {
    const v = num(b, k)
    return v === null ? undefined : v
  }
  return { siteId: Number(str(b, 'siteId')) || -1, count: n('count') ?? NaN, minutes: num(b, 'minutes'), validDays: n('validDays'), maxDevices: n('maxDevices'), note: strOrNull(b, 'note') }
}

export async function vouchersArea(app: FastifyInstance, { ctx }: { ctx: AppContext }) {
  const prisma = ctx.db.prisma

  const voucherRows = (tr: AdminTranslator, items: VoucherRow[], withRevoke: boolean): Cell[][] =>
    items.map((v) => [
      { text: groupedCode(v.code), mono: true, test: 'voucher-code' },
      v.siteName ?? '—',
      { text: tr.t(`voucher.state.${v.state}`), badge: STATE_TONE[v.state], test: 'voucher-state' },
      v.minutes === null ? tr.t('voucher.policyTime') : tr.duration(v.minutes * 60),
      tr.duration(v.usedSeconds),
      `${v.devices}/${v.maxDevices}${v.online ? ` · ${tr.t('voucher.onlineNow', { n: v.online })}` : ''}`,
      tr.when(v.validUntil),
      withRevoke && v.state !== 'revoked'
        ? { buttons: [{ action: `/vouchers/${v.code}/revoke`, label: tr.t('voucher.revoke'), tone: 'danger', confirm: tr.t('voucher.revokeConfirm', { code: v.code }), test: 'revoke-voucher' }] }
        : '',
    ])
  const voucherColumns = (tr: AdminTranslator) => [tr.t('voucher.code'), tr.t('voucher.site'), tr.t('common.state'), tr.t('voucher.minutes'), tr.t('voucher.used'), tr.t('voucher.devices'), tr.t('voucher.validUntil'), '']

  app.get('/vouchers', { config: { access: 'vouchers' }, schema: { querystring: { type: 'object', additionalProperties: { type: 'string' } } } }, async (req, reply) => {
    const tr = req.tr
    const q = req.query as Record<string, string | undefined>
    const query = queryFrom(q)
    const sites = await listSites(prisma)
    const blocks: Block[] = [
      { kind: 'actions', links: [{ href: `/vouchers/new${query.siteId ? `?site=${query.siteId}` : ''}`, label: tr.t('voucher.new'), test: 'new-vouchers' }] },
      {
        kind: 'form',
        form: {
          action: '/vouchers',
          method: 'get',
          inline: true,
          test: 'voucher-search',
          fields: [
            { name: 'code', label: tr.t('voucher.code'), type: 'search', value: query.code ?? '' },
            { name: 'site', label: tr.t('voucher.site'), type: 'select', value: query.siteId ?? '', options: [{ value: '', label: tr.t('common.all') }, ...sites.map((s) => ({ value: String(s.id), label: s.name }))] },
            { name: 'state', label: tr.t('common.state'), type: 'select', value: query.state ?? '', options: [{ value: '', label: tr.t('common.all') }, ...VOUCHER_STATES.map((s) => ({ value: s, label: tr.t(`voucher.state.${s}`) }))] },
          ],
          submit: tr.t('common.search'),
        },
      },
    ]
    const filtering = query.code || query.state || query.siteId
    if (filtering) {
      const { items, nextCursor } = await listVouchers(prisma, { ...query, limit: 100 })
      const params = new URLSearchParams(Object.entries({ code: query.code, site: query.siteId?.toString(), state: query.state }).filter((e): e is [string, string] => !!e[1]))
      blocks.push(
        { kind: 'actions', links: [{ href: `/vouchers.csv?${params}`, label: tr.t('voucher.csv'), button: false, test: 'csv' }] },
        { kind: 'table', test: 'vouchers', columns: voucherColumns(tr), rows: voucherRows(tr, items, true), empty: tr.t('voucher.noneFound') },
        { kind: 'pager', next: nextCursor ? `/vouchers?${params}&cursor=${nextCursor}` : undefined, label: tr.t('common.more') },
      )
    }
    const batches = await listBatches(prisma, { siteId: query.siteId, cursor: q.batchCursor })
    blocks.push(
      { kind: 'heading', text: tr.t('voucher.batches') },
      {
        kind: 'table',
        test: 'batches',
        columns: [tr.t('voucher.batch'), tr.t('voucher.site'), tr.t('voucher.count'), tr.t('voucher.minutes'), tr.t('voucher.validUntil'), tr.t('voucher.note'), tr.t('voucher.createdBy'), ''],
        numeric: [2],
        rows: batches.items.map((b) => [
          { text: b.id, href: `/vouchers/batches/${encodeURIComponent(b.id)}`, test: 'batch-link' },
          b.siteName ?? '—',
          b.count,
          b.minutes === null ? tr.t('voucher.policyTime') : tr.duration(b.minutes * 60),
          tr.when(b.validUntil),
          b.note ?? '',
          b.createdBy ?? '',
          b.revokedAt ? { text: tr.t('voucher.state.revoked'), badge: 'error' } : { buttons: [], links: [{ href: `/vouchers/batches/${encodeURIComponent(b.id)}/print`, label: tr.t('voucher.print'), newTab: true }] },
        ]),
        empty: tr.t('voucher.noBatches'),
      },
      { kind: 'pager', next: batches.nextCursor ? `/vouchers?batchCursor=${encodeURIComponent(batches.nextCursor)}` : undefined, label: tr.t('common.more') },
    )
    return reply.page(tr.t('voucher.title'), blocks)
  })

  app.get('/vouchers/new', { config: { access: 'vouchers' }, schema: { querystring: { type: 'object', properties: { site: { type: 'string' } } } } }, async (req, reply) => {
    const sites = await listSites(prisma)
    return reply.page(req.tr.t('voucher.new'), [{ kind: 'form', form: newBatchForm(req.tr, sites, { siteId: (req.query as { site?: string }).site }) }])
  })

  app.post('/vouchers', { config: { access: 'vouchers' }, schema: { body: formBodySchema } }, async (req, reply) => {
    const tr = req.tr
    const b = req.body as Body
    const input = inputFrom(b)
    const sites = await listSites(prisma)
    const form = newBatchForm(tr, sites, Object.fromEntries(Object.entries(b).map(([k, v]) => [k, Array.isArray(v) ? v.at(-1) : v])))
    if (Number.isInteger(input.count) && input.count > SYNC_BATCH && input.count <= 100_000) {
      // Checked first with a count of one, so that a bad field is shown now, not after a wait.
      const check = await fromForm(req, reply, { title: tr.t('voucher.new'), form }, async () => {
        const site = sites.find((s) => s.id === input.siteId)
        if (!site) throw new InputError('choose a site', 'siteId', 'voucher.site')
      })
      if (!check.ok) return reply
      const job = startJob(input.count, req.actor.name, async (progress) => (await createVouchers(prisma, input, req.actor, { onProgress: progress })).batch)
      return reply.redirect(`/vouchers/jobs/${job.id}`, 303)
    }
    const r = await fromForm(req, reply, { title: tr.t('voucher.new'), form }, () => createVouchers(prisma, input, req.actor))
    if (r.ok) return reply.redirect(`/vouchers/batches/${encodeURIComponent(r.value.batch)}?created=1`, 303)
    return reply
  })

  app.get('/vouchers/jobs/:id', { config: { access: 'vouchers' }, schema: { params: { type: 'object', properties: { id: { type: 'string' } } } } }, async (req, reply) => {
    const tr = req.tr
    const job = getJob((req.params as { id: string }).id, req.actor.name)
    if (!job) return reply.page(tr.t('voucher.jobTitle'), [{ kind: 'notice', tone: 'error', text: tr.t('voucher.jobGone') }], { status: 404 })
    if (job.batch) return reply.redirect(`/vouchers/batches/${encodeURIComponent(job.batch)}?created=1`, 303)
    if (job.error) return reply.page(tr.t('voucher.jobTitle'), [{ kind: 'notice', tone: 'error', text: tr.problem(job.error), test: 'job-error' }], { status: 400 })
    const pct = Math.floor((job.done / job.total) * 100)
    return reply.page(
      tr.t('voucher.jobTitle'),
      [
        { kind: 'notice', tone: 'info', text: tr.t('voucher.jobProgress', { done: tr.number(job.done), total: tr.number(job.total), pct }), test: 'job-progress' },
        { kind: 'text', text: tr.t('voucher.jobNote'), tone: 'muted' },
      ],
      { refresh: 1 },
    )
  })

  const batchParams = { type: 'object', properties: { id: { type: 'string', maxLength: 100 } } } as const

  app.get('/vouchers/batches/:id', { config: { access: 'vouchers' }, schema: { params: batchParams, querystring: { type: 'object', additionalProperties: { type: 'string' } } } }, async (req, reply) => {
    const tr = req.tr
    const id = (req.params as { id: string }).id
    const q = req.query as Record<string, string | undefined>
    const batch = await getBatch(prisma, id)
    const { items, nextCursor } = await listVouchers(prisma, { batch: id, cursor: intParam(q.cursor), limit: 200 })
    const enc = encodeURIComponent(id)
    const blocks: Block[] = []
    if (q.created) blocks.push({ kind: 'notice', tone: 'ok', text: tr.t('voucher.created', { n: tr.number(batch.count) }), test: 'created' })
    if (q.revoked) blocks.push({ kind: 'notice', tone: 'ok', text: tr.t('voucher.batchRevoked', { n: q.revoked, d: q.disconnected ?? '0' }), test: 'revoked' })
    blocks.push(
      {
        kind: 'dl',
        items: [
          { term: tr.t('voucher.site'), detail: batch.siteName ?? '—' },
          { term: tr.t('voucher.count'), detail: tr.number(batch.count) },
          { term: tr.t('voucher.minutes'), detail: batch.minutes === null ? tr.t('voucher.policyTime') : tr.duration(batch.minutes * 60) },
          { term: tr.t('voucher.devices'), detail: String(batch.maxDevices) },
          { term: tr.t('voucher.validUntil'), detail: tr.when(batch.validUntil) },
          { term: tr.t('voucher.note'), detail: batch.note ?? '—' },
          { term: tr.t('voucher.createdBy'), detail: `${batch.createdBy ?? '—'}, ${tr.when(batch.createdAt)}` },
        ],
      },
      {
        kind: 'actions',
        links: [
          { href: `/vouchers/batches/${enc}/print?lang=vi`, label: tr.t('voucher.printVi'), newTab: true, test: 'print-vi' },
          { href: `/vouchers/batches/${enc}/print?lang=en`, label: tr.t('voucher.printEn'), newTab: true, test: 'print-en' },
          { href: `/vouchers.csv?batch=${enc}`, label: tr.t('voucher.csv'), test: 'csv' },
        ],
        buttons: batch.revokedAt ? [] : [{ action: `/vouchers/batches/${enc}/revoke`, label: tr.t('voucher.revokeBatch'), tone: 'danger', confirm: tr.t('voucher.revokeBatchConfirm', { n: batch.count }), test: 'revoke-batch' }],
      },
      { kind: 'table', test: 'vouchers', columns: voucherColumns(tr), rows: voucherRows(tr, items, !batch.revokedAt), empty: tr.t('voucher.noneFound') },
      { kind: 'pager', next: nextCursor ? `/vouchers/batches/${enc}?cursor=${nextCursor}` : undefined, label: tr.t('common.more') },
    )
    return reply.page(tr.t('voucher.batchTitle', { id }), blocks)
  })

  app.get(
    '/vouchers/batches/:id/print',
    { config: { access: 'vouchers' }, schema: { params: batchParams, querystring: { type: 'object', properties: { lang: { type: 'string' } } } } },
    async (req: FastifyRequest, reply: FastifyReply) => {
      const id = (req.params as { id: string }).id
      const asked = (req.query as { lang?: string }).lang
      // The sheet's language is chosen on its own (a sheet in English for visitors), the page around it follows.
      const tr = isLang(asked) ? new AdminTranslator(asked, ctx.config.timeZone) : req.tr
      const batch = await getBatch(prisma, id)
      const { items } = await listVouchers(prisma, { batch: id, limit: 100_000 })
      const usable = items.filter((v) => v.state !== 'revoked' && v.state !== 'expired' && v.state !== 'used_up')
      const qr = batch.ssid ? await qrSvg(wifiQrText(batch.ssid)) : null
      const enc = encodeURIComponent(id)
      await auditEvent(prisma, req.actor, 'voucher.print', `batch:${id}`, { vouchers: usable.length, lang: tr.lang })
      const words = {
        title: tr.t('sheet.title'),
        print: tr.t('sheet.print'),
        back: tr.t('common.back'),
        otherLanguage: tr.t('otherLanguageName'),
        scan: tr.t('sheet.scan'),
        steps: tr.t('sheet.steps', { ssid: batch.ssid ?? tr.t('sheet.theWifi') }),
        noSsid: tr.t('sheet.noSsid'),
      }
      return reply.page(tr.t('sheet.title'), [], {
        bare: true,
        view: 'vouchers/views/print.eta',
        model: {
          lang: tr.lang,
          otherLang: tr.other,
          otherLangUrl: `/vouchers/batches/${enc}/print?lang=${tr.other}`,
          backUrl: `/vouchers/batches/${enc}`,
          site: batch.siteName ?? '',
          qr,
          words,
          vouchers: usable.map((v) => ({
            code: v.code,
            grouped: groupedCode(v.code),
            allowance: v.minutes === null ? tr.t('sheet.policyTime') : tr.t('sheet.allowance', { duration: tr.duration(v.minutes * 60), devices: v.maxDevices }),
            valid: v.validUntil ? tr.t('sheet.validUntil', { date: tr.date(v.validUntil) }) : '',
          })),
        },
      })
    },
  )

  app.get('/vouchers.csv', { config: { access: 'vouchers' }, schema: { querystring: { type: 'object', additionalProperties: { type: 'string' } } } }, async (req, reply) => {
    const query = queryFrom(req.query as Record<string, string | undefined>)
    const csv = await vouchersCsv(prisma, { ...query, cursor: undefined })
    await auditEvent(prisma, req.actor, 'voucher.export', query.batch ? `batch:${query.batch}` : undefined, { ...JSON.parse(JSON.stringify(query)), rows: csv.split('\r\n').length - 2 })
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="vouchers${query.batch ? `-${query.batch}` : ''}.csv"`)
      .header('cache-control', 'no-store')
      .send(csv)
  })

  app.post('/vouchers/:code/revoke', { config: { access: 'vouchers' }, schema: { params: { type: 'object', properties: { code: { type: 'string', maxLength: 40 } } }, body: formBodySchema } }, async (req, reply) => {
    const tr = req.tr
    const { voucher, disconnected } = await revokeVoucher(prisma, (req.params as { code: string }).code, req.actor)
    return reply.page(tr.t('voucher.revokedTitle'), [
      { kind: 'notice', tone: 'ok', text: tr.t('voucher.revoked', { code: groupedCode(voucher.code), d: disconnected }), test: 'revoked' },
      { kind: 'actions', links: [voucher.batch ? { href: `/vouchers/batches/${encodeURIComponent(voucher.batch)}`, label: tr.t('common.back') } : { href: '/vouchers', label: tr.t('common.back') }] },
    ])
  })

  app.post('/vouchers/batches/:id/revoke', { config: { access: 'vouchers' }, schema: { params: batchParams, body: formBodySchema } }, async (req, reply) => {
    const id = (req.params as { id: string }).id
    const r = await revokeBatch(prisma, id, req.actor)
    return reply.redirect(`/vouchers/batches/${encodeURIComponent(id)}?revoked=${r.revoked}&disconnected=${r.disconnected}`, 303)
  })

  // --- /api/v1/vouchers -------------------------------------------------------
  app.get(
    '/api/v1/vouchers',
    {
      config: { access: 'vouchers' },
      schema: {
        summary: 'List and search vouchers, newest first (format=csv: the same as CSV)',
        querystring: {
          type: 'object',
          properties: {
            site: { type: 'string', description: 'site id' },
            batch: { type: 'string' },
            state: { type: 'string', enum: [...VOUCHER_STATES] },
            code: { type: 'string', description: 'a code or its beginning' },
            cursor: { type: 'string' },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
            format: { type: 'string', enum: ['json', 'csv'], default: 'json' },
          },
        },
        response: { 200: pageOf(voucherSchema, { type: ['integer', 'null'] }) },
      },
    },
    async (req, reply) => {
      const q = req.query as Record<string, string | undefined> & { limit: number; format: string }
      const query = queryFrom(q)
      if (q.format === 'csv') {
        const csv = await vouchersCsv(prisma, { ...query, cursor: undefined })
        return reply.header('content-type', 'text/csv; charset=utf-8').serializer((x: unknown) => x as string).send(csv)
      }
      const { items, nextCursor } = await listVouchers(prisma, { ...query, limit: q.limit })
      return { items: items.map(voucherView), nextCursor }
    },
  )
  app.post(
    '/api/v1/vouchers',
    {
      config: { access: 'vouchers' },
      schema: {
        summary: 'Issue a batch of vouchers; answers the codes as `voucher create --json` does',
        body: {
          type: 'object',
          required: ['count'],
          additionalProperties: false,
          properties: {
            site: { type: 'string', description: 'site name (as `voucher create --site`)' },
            siteId: { type: 'integer' },
            count: { type: 'integer' },
            minutes: { type: ['integer', 'null'], description: 'online time each grants (null: the site policy)' },
            validDays: { type: 'integer', default: 30 },
            devices: { type: 'integer', default: 1, description: 'devices that may use one voucher' },
            note: { type: ['string', 'null'] },
          },
        },
        response: { 201: { type: 'array', items: { type: 'object', required: ['code'], properties: { code: { type: 'string' }, minutes: { type: ['integer', 'null'] }, validUntil: nullableDateTime, batch: { type: 'string' } } } } },
      },
    },
    async (req, reply) => {
      const b = req.body as { site?: string; siteId?: number; count: number; minutes?: number | null; validDays?: number; devices?: number; note?: string | null }
      const { batch, vouchers } = await createVouchers(prisma, { site: b.site, siteId: b.siteId, count: b.count, minutes: b.minutes, validDays: b.validDays, maxDevices: b.devices, note: b.note }, req.actor)
      return reply.code(201).send(vouchers.map((v) => ({ ...v, batch })))
    },
  )
  app.post(
    '/api/v1/vouchers/:code/revoke',
    {
      config: { access: 'vouchers' },
      schema: {
        summary: 'Revoke a voucher: RADIUS refuses it at once and its open sessions are disconnected',
        params: { type: 'object', required: ['code'], properties: { code: { type: 'string', maxLength: 40 } } },
        response: { 200: { type: 'object', properties: { code: { type: 'string' }, revokedAt: dateTime, disconnected: { type: 'integer' } } } },
      },
    },
    async (req) => {
      const { voucher, disconnected } = await revokeVoucher(prisma, (req.params as { code: string }).code, req.actor)
      return { code: voucher.code, revokedAt: voucher.revokedAt, disconnected }
    },
  )
  app.post(
    '/api/v1/vouchers/batches/:id/revoke',
    {
      config: { access: 'vouchers' },
      schema: {
        summary: 'Revoke every voucher of a batch',
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 100 } } },
        response: { 200: { type: 'object', properties: { revoked: { type: 'integer' }, disconnected: { type: 'integer' } } } },
      },
    },
    async (req) => revokeBatch(prisma, (req.params as { id: string }).id, req.actor),
  )
}
