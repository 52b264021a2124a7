// Live sessions (disconnect through the CoA path, with the NAS's answer),
// the history by time, site and access point, and one person's history by
// MAC or phone number (admins only). Every look-up is audited by the service.
import type { FastifyInstance } from 'fastify'
import type { AppContext } from '../../core/context.js'
import { InputError } from '../../core/errors.js'
import { disconnectSession } from '../../core/services/coa.js'
import { listNas } from '../../core/services/nas.js'
import { findSessions, sessionExists, type SessionItem, type SessionQuery } from '../../core/services/sessions.js'
import { listSites } from '../../core/services/sites.js'
import { dateTime, nullableDateTime, pageOf } from '../api.js'
import { formBodySchema, intParam } from '../forms.js'
import type { AdminTranslator } from '../render.js'
import type { Block, Cell, Field, FormModel } from '../ui.js'

const sessionSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', description: 'a 64-bit number, as a string' },
    acctSessionId: { type: 'string' },
    nas: { type: 'object', properties: { id: { type: 'integer' }, name: { type: 'string' } } },
    site: { type: 'object', properties: { id: { type: 'integer' }, name: { type: 'string' } } },
    startedAt: dateTime,
    stoppedAt: nullableDateTime,
    updatedAt: dateTime,
    inputOctets: { type: 'integer' },
    outputOctets: { type: 'integer' },
    sessionSeconds: { type: 'integer' },
    loginMethod: { type: ['string', 'null'], enum: ['click_through', 'otp', 'voucher', 'mac', null] },
    mac: { type: ['string', 'null'] },
    framedIp: { type: ['string', 'null'] },
    username: { type: 'string' },
    authorized: { type: 'boolean' },
    terminateCause: { type: ['string', 'null'] },
    closeReason: { type: ['string', 'null'] },
  },
} as const

const view = (s: SessionItem) => ({ ...s, id: String(s.id), inputOctets: Number(s.inputOctets), outputOctets: Number(s.outputOctets) })

const listQuery = {
  type: 'object',
  properties: {
    active: { type: 'boolean' },
    site: { type: 'string', description: 'site id or name' },
    nas: { type: 'string', description: 'access point id or name (NAS-Identifier)' },
    from: { type: 'string', format: 'date-time', description: 'started at or after' },
    to: { type: 'string', format: 'date-time', description: 'started before' },
    cursor: { type: 'string', pattern: '^[0-9]{1,19}$' },
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
  },
} as const

/** How a disconnect ended, as the API and the page say it. */
const RESULT_TONE = { ack: 'ok', nak: 'error', timeout: 'warn' } as const

export async function sessionsArea(app: FastifyInstance, { ctx }: { ctx: AppContext }) {
  const prisma = ctx.db.prisma
  const waitMs = app.admin.options.coaWaitMs

  /** A site or NAS by id or by name; an unknown one is an input error, not an empty list. */
  const resolve = async (q: { site?: string; nas?: string }): Promise<{ siteId?: number; nasId?: number }> => {
    const out: { siteId?: number; nasId?: number } = {}
    if (q.site) {
      const s = /^\d+$/.test(q.site) ? await prisma.site.findUnique({ where: { id: Number(q.site) } }) : await prisma.site.findUnique({ where: { name: q.site } })
      if (!s) throw new InputError(`no site "${q.site}"`, 'site', 'session.site')
      out.siteId = s.id
    }
    if (q.nas) {
      const n = /^\d+$/.test(q.nas) ? await prisma.accessPoint.findUnique({ where: { id: Number(q.nas) } }) : await prisma.accessPoint.findUnique({ where: { name: q.nas } })
      if (!n) throw new InputError(`no access point "${q.nas}"`, 'nas', 'session.nas')
      out.nasId = n.id
    }
    return out
  }

  const rows = (tr: AdminTranslator, items: SessionItem[], live: boolean): Cell[][] =>
    items.map((s) => [
      { text: s.mac ?? '—', mono: true, test: 'session-mac' },
      s.loginMethod ? tr.t(`method.${s.loginMethod}`) : '—',
      tr.when(s.startedAt),
      live ? tr.duration((Date.now() - s.startedAt.getTime()) / 1000) : s.stoppedAt ? tr.duration((s.stoppedAt.getTime() - s.startedAt.getTime()) / 1000) : '—',
      `↓ ${tr.bytes(s.outputOctets)} · ↑ ${tr.bytes(s.inputOctets)}`,
      { text: s.nas.name, href: `/nas/${s.nas.id}` },
      s.site.name,
      live
        ? { buttons: [{ action: `/sessions/${s.id}/disconnect`, label: tr.t('session.disconnect'), tone: 'danger', confirm: tr.t('session.disconnectConfirm', { mac: s.mac ?? s.acctSessionId }), test: 'disconnect' }] }
        : s.closeReason
          ? tr.t(`close.${s.closeReason}`)
          : (s.terminateCause ?? ''),
    ])
  const columns = (tr: AdminTranslator, live: boolean) => [tr.t('session.device'), tr.t('session.method'), tr.t('session.start'), tr.t('session.duration'), tr.t('session.data'), tr.t('session.nas'), tr.t('session.site'), live ? '' : tr.t('session.ended')]

  const filterFields = async (tr: AdminTranslator, q: Record<string, string | undefined>, history: boolean): Promise<Field[]> => {
    const [sites, nas] = await Promise.all([listSites(prisma), listNas(prisma)])
    const fields: Field[] = [
      { name: 'site', label: tr.t('session.site'), type: 'select', value: q.site ?? '', options: [{ value: '', label: tr.t('common.all') }, ...sites.map((s) => ({ value: String(s.id), label: s.name }))] },
      { name: 'nas', label: tr.t('session.nas'), type: 'select', value: q.nas ?? '', options: [{ value: '', label: tr.t('common.all') }, ...nas.map((n) => ({ value: String(n.id), label: n.name }))] },
    ]
    if (history) {
      fields.push({ name: 'from', label: tr.t('session.from'), type: 'date', value: q.from ?? '' }, { name: 'to', label: tr.t('session.to'), type: 'date', value: q.to ?? '' })
    }
    return fields
  }

  /** A local calendar date (yyyy-mm-dd from a date input) as the instant it starts in the configured zone. */
  const localDate = (v: string | undefined, field: string): Date | undefined => {
    if (!v) return undefined
    if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) throw new InputError(`"${v}" is not a date`, field, 'session.date')
    const utc = new Date(`${v}T00:00:00Z`)
    const offset = new Date(utc.toLocaleString('en-US', { timeZone: ctx.config.timeZone })).getTime() - new Date(utc.toLocaleString('en-US', { timeZone: 'UTC' })).getTime()
    return new Date(utc.getTime() - offset)
  }

  const listPage = async (kind: 'live' | 'history' | 'person', req: import('fastify').FastifyRequest, reply: import('fastify').FastifyReply) => {
    const tr = req.tr
    const q = req.query as Record<string, string | undefined>
    const path = kind === 'live' ? '/sessions' : kind === 'history' ? '/sessions/history' : '/sessions/person'
    const title = tr.t(kind === 'live' ? 'session.liveTitle' : kind === 'history' ? 'session.historyTitle' : 'session.personTitle')
    const tabs: Block = {
      kind: 'actions',
      links: [
        { href: '/sessions', label: tr.t('session.liveTitle'), button: false },
        { href: '/sessions/history', label: tr.t('session.historyTitle'), button: false },
        ...(req.staff?.role === 'admin' ? [{ href: '/sessions/person', label: tr.t('session.personTitle'), button: false }] : []),
      ],
    }
    const fields: Field[] =
      kind === 'person'
        ? [
            { name: 'mac', label: tr.t('session.mac'), type: 'text', value: q.mac ?? '', hint: tr.t('session.macHint') },
            { name: 'phone', label: tr.t('session.phone'), type: 'text', value: q.phone ?? '', hint: tr.t('session.phoneHint') },
          ]
        : await filterFields(tr, q, kind === 'history')
    const form: FormModel = { action: path, method: 'get', inline: true, fields, submit: kind === 'person' ? tr.t('common.search') : tr.t('common.filter'), test: 'session-filter' }
    const blocks: Block[] = [tabs]
    if (kind === 'person') blocks.push({ kind: 'text', text: tr.t('session.personNote'), tone: 'muted' })
    const asked = kind !== 'person' || q.mac || q.phone
    let items: SessionItem[] = []
    let nextCursor: bigint | null = null
    if (asked) {
      try {
        const query: SessionQuery = {
          active: kind === 'live' ? true : kind === 'history' ? false : undefined,
          siteId: intParam(q.site),
          nasId: intParam(q.nas),
          from: localDate(q.from, 'from'),
          to: q.to ? new Date(localDate(q.to, 'to')!.getTime() + 86_400_000) : undefined,
          mac: q.mac?.trim() || undefined,
          phone: q.mac?.trim() ? undefined : q.phone?.trim() || undefined,
          cursor: q.cursor && /^\d{1,19}$/.test(q.cursor) ? BigInt(q.cursor) : undefined,
          limit: 50,
        }
        ;({ items, nextCursor } = await findSessions(prisma, ctx.secrets, query, req.actor))
      } catch (err) {
        if (!(err instanceof InputError)) throw err
        for (const f of fields) if (f.name === err.field) f.error = tr.problem(err.problems[0]!)
        return reply.page(title, [...blocks, { kind: 'form', form }], { status: 400 })
      }
    }
    blocks.push({ kind: 'form', form })
    if (kind === 'live') blocks.push({ kind: 'text', text: tr.t('session.liveCount', { n: items.length }), test: 'live-count', tone: 'muted' })
    if (asked) {
      const params = new URLSearchParams(Object.entries(q).filter((e): e is [string, string] => !!e[1] && e[0] !== 'cursor'))
      blocks.push(
        { kind: 'table', test: 'sessions', columns: columns(tr, kind === 'live'), rows: rows(tr, items, kind === 'live'), empty: tr.t(kind === 'live' ? 'session.noneLive' : 'session.none') },
        { kind: 'pager', next: nextCursor ? `${path}?${params}${params.size ? '&' : ''}cursor=${nextCursor}` : undefined, label: tr.t('common.more') },
      )
    }
    return reply.page(title, blocks)
  }

  const pageQuery = { type: 'object', additionalProperties: { type: 'string' } } as const
  app.get('/sessions', { config: { access: 'sessions' }, schema: { querystring: pageQuery } }, (req, reply) => listPage('live', req, reply))
  app.get('/sessions/history', { config: { access: 'sessions' }, schema: { querystring: pageQuery } }, (req, reply) => listPage('history', req, reply))
  app.get('/sessions/person', { config: { access: 'sessions.person' }, schema: { querystring: pageQuery } }, (req, reply) => listPage('person', req, reply))

  app.post('/sessions/:id/disconnect', { config: { access: 'sessions' }, schema: { params: { type: 'object', properties: { id: { type: 'string', pattern: '^[0-9]{1,19}$' } } }, body: formBodySchema } }, async (req, reply) => {
    const tr = req.tr
    const id = BigInt((req.params as { id: string }).id)
    await sessionExists(prisma, id)
    const r = await disconnectSession(prisma, id, req.actor, { waitMs })
    return reply.page(tr.t('session.disconnectTitle'), [
      { kind: 'notice', tone: RESULT_TONE[r.result], text: tr.t(`session.result.${r.result}`, { detail: r.detail ?? '' }), test: `disconnect-${r.result}` },
      { kind: 'actions', links: [{ href: '/sessions', label: tr.t('session.liveTitle') }] },
    ])
  })

  // --- /api/v1/sessions ---------------------------------------------------------
  app.get(
    '/api/v1/sessions',
    { config: { access: 'sessions' }, schema: { summary: 'Sessions, newest first; each look-up is audited', querystring: listQuery, response: { 200: pageOf(sessionSchema) } } },
    async (req) => {
      const q = req.query as { active?: boolean; site?: string; nas?: string; from?: string; to?: string; cursor?: string; limit: number }
      const found = await findSessions(
        prisma,
        ctx.secrets,
        { active: q.active, ...(await resolve(q)), from: q.from ? new Date(q.from) : undefined, to: q.to ? new Date(q.to) : undefined, cursor: q.cursor ? BigInt(q.cursor) : undefined, limit: q.limit },
        req.actor,
      )
      return { items: found.items.map(view), nextCursor: found.nextCursor === null ? null : String(found.nextCursor) }
    },
  )
  app.get(
    '/api/v1/sessions/lookup',
    {
      config: { access: 'sessions.person' },
      schema: {
        summary: "One person's sessions by a device's MAC or a phone number (admins; audited)",
        querystring: { type: 'object', properties: { mac: { type: 'string' }, phone: { type: 'string' }, cursor: listQuery.properties.cursor, limit: listQuery.properties.limit } },
        response: { 200: pageOf(sessionSchema) },
      },
    },
    async (req) => {
      const q = req.query as { mac?: string; phone?: string; cursor?: string; limit: number }
      if (!q.mac && !q.phone) throw new InputError('give mac or phone', 'mac', 'session.lookupWhat')
      const found = await findSessions(prisma, ctx.secrets, { mac: q.mac, phone: q.mac ? undefined : q.phone, cursor: q.cursor ? BigInt(q.cursor) : undefined, limit: q.limit }, req.actor)
      return { items: found.items.map(view), nextCursor: found.nextCursor === null ? null : String(found.nextCursor) }
    },
  )
  app.post(
    '/api/v1/sessions/:id/disconnect',
    {
      config: { access: 'sessions' },
      schema: {
        summary: "Disconnect-Request to the session's NAS; answers once the NAS answered or the retries ran out",
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^[0-9]{1,19}$' } } },
        response: {
          200: {
            type: 'object',
            required: ['result'],
            properties: { result: { type: 'string', enum: ['ack', 'nak', 'timeout'] }, detail: { type: ['string', 'null'] }, errorCause: { type: ['integer', 'null'] } },
          },
        },
      },
    },
    async (req) => {
      const id = BigInt((req.params as { id: string }).id)
      const r = await disconnectSession(prisma, id, req.actor, { waitMs })
      return { result: r.result, detail: r.detail, errorCause: r.errorCause }
    },
  )
}
