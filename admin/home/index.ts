// Home: what is happening now. Aggregates for every role; the names of the
// access points that are down for IT staff.
import type { FastifyInstance } from 'fastify'
import type { AppContext } from '../../core/context.js'
import { dashboard } from '../../core/services/dashboard.js'
import { allows } from '../roles.js'
import type { Block } from '../ui.js'

export async function homeArea(app: FastifyInstance, { ctx }: { ctx: AppContext }) {
  app.get('/', { config: { access: 'dashboard' }, schema: {} }, async (req, reply) => {
    const tr = req.tr
    const d = await dashboard(ctx.db.prisma)
    const staff = allows('nas', req.staff?.role)
    const blocks: Block[] = [
      {
        kind: 'cards',
        cards: [
          { label: tr.t('home.onlineNow'), value: tr.number(d.onlineNow), test: 'online-now', href: staff ? '/sessions' : undefined },
          { label: tr.t('home.nasUp'), value: `${tr.number(d.nas.up)} / ${tr.number(d.nas.total - d.nas.disabled)}`, tone: d.nas.down ? 'warn' : 'ok', test: 'nas-up', href: staff ? '/nas' : undefined },
          { label: tr.t('home.nasDown'), value: tr.number(d.nas.down), tone: d.nas.down ? 'error' : 'ok', test: 'nas-down' },
          { label: tr.t('home.accepts'), value: tr.number(d.acceptsLastHour), test: 'accepts' },
          { label: tr.t('home.rejects'), value: tr.number(d.rejectsLastHour.reduce((n, r) => n + r.count, 0)), test: 'rejects' },
          { label: tr.t('home.pendingCoa'), value: tr.number(d.pendingCoa), test: 'pending-coa' },
        ],
      },
      { kind: 'heading', text: tr.t('home.onlineBySite') },
      { kind: 'table', test: 'online-by-site', columns: [tr.t('session.site'), tr.t('home.onlineNow')], numeric: [1], rows: d.onlineBySite.map((s) => [s.name, s.count]), empty: tr.t('home.nobody') },
      { kind: 'heading', text: tr.t('home.rejectsByReason') },
      { kind: 'table', test: 'rejects-by-reason', columns: [tr.t('home.reason'), tr.t('home.count')], numeric: [1], rows: d.rejectsLastHour.map((r) => [tr.has(`reason.${r.reason}`) ? tr.t(`reason.${r.reason}` as never) : r.reason, r.count]), empty: tr.t('home.noRejects') },
    ]
    if (staff) {
      blocks.push(
        { kind: 'heading', text: tr.t('home.downList') },
        { kind: 'table', test: 'down-nas', columns: [tr.t('nas.name'), tr.t('nas.site'), tr.t('nas.lastSeen')], rows: d.downNas.map((n) => [{ text: n.name, href: `/nas/${n.id}` }, n.site, tr.when(n.lastSeenAt)]), empty: tr.t('home.allUp') },
      )
    }
    return reply.page(tr.t('home.title'), blocks)
  })
}
