// The hourly job as the services run it: it purges soon after start, records
// the run, and its metric reports the run's time; a second check within the
// hour does nothing.
import { Registry } from 'prom-client'
import t from 'tap'
import { startPurgeJob } from '../../core/services/purge-job.js'
import { testContext } from '../helpers/app.js'
import { dbKinds } from '../helpers/databases.js'
import { seedPeople } from './seed.js'

for (const kind of dbKinds()) {
  t.test(`the purge job on ${kind}`, async (t) => {
    const { ctx } = await testContext(t, kind)
    await seedPeople(ctx)
    const metrics = new Registry()
    const gauge = async () => (await metrics.getSingleMetric('citywifi_purge_last_success_timestamp_seconds')!.get()).values[0]?.value
    const deps = { pool: ctx.db.pool, prisma: ctx.db.prisma, retention: ctx.config.retention, log: ctx.log, metrics }
    const job = startPurgeJob(deps, { firstMs: 10, checkMs: 200 })
    t.teardown(() => job.close())
    t.equal(await gauge(), 0, 'never purged: 0')

    const started = Date.now()
    while (!(await ctx.db.prisma.auditEvent.count({ where: { action: 'retention.purge', actor: 'job:purge' } })) && Date.now() - started < 30_000) await new Promise((r) => setTimeout(r, 100))
    t.equal(await ctx.db.prisma.session.count(), 3, 'the old closed session is gone')
    const at = await gauge()
    t.ok(at && Math.abs(at * 1000 - Date.now()) < 60_000, 'the metric says when')

    await new Promise((r) => setTimeout(r, 1000))
    t.equal(await ctx.db.prisma.auditEvent.count({ where: { action: 'retention.purge' } }), 1, 'checks every 200 ms, runs once within the hour')
  })
}
