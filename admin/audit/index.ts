// The audit log (admins): who changed what and who looked up whose data,
// filterable; /api/v1/audit. Append-only: there is no route that changes it.
import type { FastifyInstance } from 'fastify'
import type { AppContext } from '../../core/context.js'
import { InputError } from '../../core/errors.js'
import { listAudit, type AuditQuery } from '../../core/services/audit.js'
import { dateTime, pageOf } from '../api.js'
import { intParam } from '../forms.js'
import type { Cell } from '../ui.js'

const auditSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    at: dateTime,
    actor: { type: 'string' },
    ip: { type: ['string', 'null'] },
    action: { type: 'string' },
    target: { type: ['string', 'null'] },
    detail: { type: 'object', additionalProperties: true },
  },
} as const

const date = (v: string | undefined, field: string) => {
  if (!v) return undefined
  const d = new Date(v)
  if (Number.isNaN(d.getTime())) throw new InputError(`"${v}" is not a date`, field, 'audit.date')
  return d
}

export async function auditArea(app: FastifyInstance, { ctx }: { ctx: AppContext }) {
  const prisma = ctx.db.prisma

  app.get('/audit', { config: { access: 'audit' }, schema: { querystring: { type: 'object', additionalProperties: { type: 'string' } } } }, async (req, reply) => {
    const tr = req.tr
    const q = req.query as Record<string, string | undefined>
    const query: AuditQuery = { actor: q.actor || undefined, action: q.action || undefined, target: q.target || undefined, from: date(q.from, 'from'), to: q.to ? new Date(date(q.to, 'to')!.getTime() + 86_400_000) : undefined, cursor: intParam(q.cursor), limit: 100 }
    const { items, nextCursor } = await listAudit(prisma, query)
    const rows: Cell[][] = items.map((e) => [tr.when(e.at), e.actor, e.ip ?? '—', { text: e.action, mono: true, test: 'audit-action' }, e.target ?? '—', { text: JSON.stringify(e.detail), mono: true }])
    const params = new URLSearchParams(Object.entries(q).filter((e): e is [string, string] => !!e[1] && e[0] !== 'cursor'))
    return reply.page(tr.t('audit.title'), [
      {
        kind: 'form',
        form: {
          action: '/audit',
          method: 'get',
          inline: true,
          test: 'audit-filter',
          fields: [
            { name: 'actor', label: tr.t('audit.actor'), type: 'search', value: q.actor ?? '' },
            { name: 'action', label: tr.t('audit.action'), type: 'search', value: q.action ?? '', hint: tr.t('audit.actionHint') },
            { name: 'target', label: tr.t('audit.target'), type: 'search', value: q.target ?? '' },
            { name: 'from', label: tr.t('session.from'), type: 'date', value: q.from ?? '' },
            { name: 'to', label: tr.t('session.to'), type: 'date', value: q.to ?? '' },
          ],
          submit: tr.t('common.filter'),
        },
      },
      { kind: 'table', test: 'audit', columns: [tr.t('audit.at'), tr.t('audit.actor'), tr.t('audit.ip'), tr.t('audit.action'), tr.t('audit.target'), tr.t('audit.detail')], rows, empty: tr.t('audit.none') },
      { kind: 'pager', next: nextCursor ? `/audit?${params}${params.size ? '&' : ''}cursor=${nextCursor}` : undefined, label: tr.t('common.more') },
    ])
  })

  app.get(
    '/api/v1/audit',
    {
      config: { access: 'audit' },
      schema: {
        summary: 'The audit log, newest first',
        querystring: {
          type: 'object',
          properties: {
            actor: { type: 'string' },
            action: { type: 'string', description: 'an action or its prefix (nas: nas.create, nas.update, …)' },
            target: { type: 'string', description: 'site:3, nas:7, voucher:ABCDEFGHJK, …' },
            from: { type: 'string', format: 'date-time' },
            to: { type: 'string', format: 'date-time' },
            cursor: { type: 'integer' },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
          },
        },
        response: { 200: pageOf(auditSchema, { type: ['integer', 'null'] }) },
      },
    },
    async (req) => {
      const q = req.query as { actor?: string; action?: string; target?: string; from?: string; to?: string; cursor?: number; limit: number }
      return listAudit(prisma, { ...q, from: q.from ? new Date(q.from) : undefined, to: q.to ? new Date(q.to) : undefined })
    },
  )
}
