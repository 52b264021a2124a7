// Login statistics are added up in memory and written at each flush: every
// count reaches StatsAuthHourly once, whatever the order of counts and flushes.
import t from 'tap'
import { addSite } from '../../core/services/sites.js'
import { AuthStats } from '../../radius/auth-stats.js'
import { testContext } from '../helpers/app.js'
import { dbKinds } from '../helpers/databases.js'

for (const kind of dbKinds()) {
  t.test(`login statistics on ${kind}`, async (t) => {
    const { ctx } = await testContext(t, kind)
    const prisma = ctx.db.prisma
    const site = await addSite(prisma, { name: 'Trung tâm hành chính' }, 'test')
    const stats = new AuthStats(prisma, ctx.log)
    const at = new Date('2026-11-27T03:20:00Z')
    const nextHour = new Date('2026-11-27T04:05:00Z')
    const rows = async () =>
      (await prisma.statsAuthHourly.findMany({ where: { scope: site.id }, orderBy: [{ hour: 'asc' }, { result: 'asc' }, { reason: 'asc' }] })).map((r) => [r.hour.toISOString(), r.result, r.reason, r.count])

    for (let i = 0; i < 3; i++) stats.count(site.id, at, 'accept', 'voucher')
    stats.count(site.id, at, 'reject', 'wrong_password')
    stats.count(site.id, at, 'accept', 'voucher')
    stats.count(site.id, nextHour, 'accept', 'voucher')
    await stats.flush()
    t.same(await rows(), [
      ['2026-11-27T03:00:00.000Z', 'accept', 'voucher', 4],
      ['2026-11-27T03:00:00.000Z', 'reject', 'wrong_password', 1],
      ['2026-11-27T04:00:00.000Z', 'accept', 'voucher', 1],
    ])

    // The entry counted last before the flush is not counted into again.
    stats.count(site.id, nextHour, 'accept', 'voucher')
    stats.count(site.id, nextHour, 'accept', 'voucher')
    await stats.flush()
    await stats.flush()
    t.same((await rows())[2], ['2026-11-27T04:00:00.000Z', 'accept', 'voucher', 3], 'added to the stored count, once')
  })
}
