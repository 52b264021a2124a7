// Retention on both databases: records on both sides of each cut-off, the
// dry run counts exactly the old ones, the purge deletes exactly those, keeps
// open sessions, online devices and statistics, and runs once per hour
// across copies.
import t from 'tap'
import { loadConfig } from '../../core/config.js'
import { runPurge, lastPurgeAt } from '../../core/services/purge-job.js'
import { testContext } from '../helpers/app.js'
import { runCli } from '../helpers/cli.js'
import { dbKinds } from '../helpers/databases.js'
import { seedPeople } from './seed.js'

// Each command is a Node process of its own: minutes on a busy machine, more than tap's default 300 s.
t.setTimeout(900_000)

const EXPECTED = {
  sessions: { Session: 1, CoaRequest: 1, DeviceUsageDaily: 1 },
  consents: { Consent: 1 },
  devices: { Device: 1 },
  logins: { OtpChallenge: 1, Credential: 1, AdminSession: 1, AdminLoginFailure: 1 },
  auditLog: { AuditEvent: 1 },
}

t.test('retention settings are validated at start-up', async (t) => {
  t.same(loadConfig({}).retention, { sessions: 365, consents: 365, devices: 365, logins: 30, auditLog: 730 }, 'the documented defaults')
  t.equal(loadConfig({ RETENTION_SESSIONS_DAYS: '90' }).retention.sessions, 90)
  t.throws(() => loadConfig({ RETENTION_SESSIONS_DAYS: '7' }), { message: /RETENTION_SESSIONS_DAYS="7" is not valid: expected a whole number of days from 32 to 36500 \(monthly quotas look back a month\)/ })
  t.throws(() => loadConfig({ RETENTION_AUDIT_DAYS: 'forever' }), { message: /RETENTION_AUDIT_DAYS="forever" is not valid/ })
  t.throws(() => loadConfig({ RETENTION_LOGINS_DAYS: '1' }), { message: /RETENTION_LOGINS_DAYS="1" is not valid/ })
})

for (const kind of dbKinds()) {
  t.test(`purge on ${kind}`, async (t) => {
    const { ctx, database } = await testContext(t, kind)
    const seeded = await seedPeople(ctx)
    const prisma = ctx.db.prisma

    const dry = await runCli(['purge', '--dry-run', '--json'], { env: database.env })
    t.equal(dry.code, 0, dry.stderr)
    const counted = JSON.parse(dry.stdout)
    t.equal(counted.dryRun, true)
    for (const [k, rows] of Object.entries(EXPECTED)) t.same(counted.kinds[k].rows, rows, `dry run counts the old ${k} only`)
    t.equal(counted.total, 10)
    t.equal(await prisma.session.count(), 4, 'the dry run deleted nothing')

    const text = await runCli(['purge', '--dry-run'], { env: database.env })
    t.match(text.stdout, /^would delete 10 records:\n  sessions \(RETENTION_SESSIONS_DAYS=365, before \d{4}-\d\d-\d\d\): Session 1, CoaRequest 1, DeviceUsageDaily 1\n/)

    const run = await runCli(['purge', '--json'], { env: database.env })
    t.equal(run.code, 0, run.stderr)
    const done = JSON.parse(run.stdout)
    for (const [k, rows] of Object.entries(EXPECTED)) t.same(done.kinds[k].rows, rows, `purge deletes the old ${k}`)

    t.same((await prisma.device.findMany({ orderBy: { mac: 'asc' } })).map((d) => d.mac), [seeded.newMac, seeded.onlineMac], 'the long-gone device went; the online one stays')
    const sessions = await prisma.session.findMany({ orderBy: { id: 'asc' } })
    t.equal(sessions.length, 3)
    t.ok(sessions.some((s) => s.stoppedAt === null), 'an open session stays whatever its age')
    t.equal(await prisma.consent.count(), 1)
    t.equal(await prisma.otpChallenge.count(), 1)
    t.equal(await prisma.credential.count(), 1)
    t.equal(await prisma.adminSession.count(), 0)
    t.equal(await prisma.deviceUsageDaily.count(), 1)
    t.equal(await prisma.statsHourly.count(), 1, 'statistics are never purged')
    const audit = await prisma.auditEvent.findMany({ orderBy: { id: 'asc' } })
    t.notOk(audit.some((a) => a.action === 'site.create'), 'the old audit event went')
    t.match(audit.find((a) => a.action === 'retention.purge'), { actor: /^cli:/, detail: { total: 10, dryRun: false } }, 'the purge is audited')
    t.ok(await prisma.configChange.findFirst({ where: { kind: 'all' } }), 'RADIUS caches are told devices went')

    const again = await runCli(['purge', '--json'], { env: database.env })
    t.equal(JSON.parse(again.stdout).total, 0, 'nothing left to purge')
  })
}

if (dbKinds().includes('postgres')) {
  t.test('two copies on one PostgreSQL purge once per hour', async (t) => {
    const a = await testContext(t, 'postgres')
    const b = await testContext(t, 'postgres', { DATABASE_URL: a.database.url! })
    await seedPeople(a.ctx)
    const deps = (c: typeof a.ctx) => ({ pool: c.db.pool, prisma: c.db.prisma, retention: c.config.retention })
    const [ra, rb] = await Promise.all([runPurge(deps(a.ctx), 'job:purge', { due: true }), runPurge(deps(b.ctx), 'job:purge', { due: true })])
    t.equal([ra, rb].filter(Boolean).length, 1, 'one copy ran, the other skipped')
    t.equal([ra, rb].find(Boolean)!.total, 10)
    t.equal(await runPurge(deps(b.ctx), 'job:purge', { due: true }), undefined, 'within the hour the other copy skips too')
    const later = new Date(Date.now() + 3600_000)
    t.ok(await runPurge(deps(b.ctx), 'job:purge', { due: true, now: later }), 'an hour later it runs')
    t.equal(await a.ctx.db.prisma.auditEvent.count({ where: { action: 'retention.purge' } }), 2)
    t.ok(await lastPurgeAt(a.ctx.db.prisma))
  })
}
