// Statistics from known accounting sent over UDP at known times (the RADIUS
// service's clock is the test's), checked field by field against figures
// worked out by hand below: sessions across an hour and across midnight,
// reordered and retransmitted interims, Acct-Delay-Time, one device on two
// days and at two sites, gigawords, Accounting-On, a peak inside an hour.
// Then the API gives the same figures, and they stay after sessions and the
// fold's working rows are purged.
import t from 'tap'
import { addNas } from '../../core/services/nas.js'
import { addSite } from '../../core/services/sites.js'
import { createVouchers } from '../../core/services/vouchers.js'
import { dateString, localDay } from '../../core/stats/calendar.js'
import { foldStats } from '../../core/stats/fold.js'
import { countLinkClick } from '../../core/stats/link-clicks.js'
import { emptyFigures, usageReport, type Figures, type UsageQuery } from '../../core/stats/report.js'
import { Code, attr } from '../../radius/codec/index.js'
import { startRadiusProcess } from '../../radius/service.js'
import { adminFixture } from '../admin/setup.js'
import { testContext } from '../helpers/app.js'
import { dbKinds } from '../helpers/databases.js'
import { RadiusTestClient, radiusPorts } from '../helpers/radius-client.js'

const SECRET = 'testing-secret-123456'
const TZ = 'Asia/Ho_Chi_Minh'
const X = '02-00-00-00-00-01'
const Y = '02-00-00-00-00-02'
const Z = '02-00-00-00-00-03'
const W = '02-00-00-00-00-04'
const GIGA = 2 ** 32

/** A local wall-clock time in Ho Chi Minh City (+07:00). */
const local = (s: string) => new Date(`${s.replace(' ', 'T')}+07:00`)

type Expect = Partial<Omit<Figures, 'loginMethods'>> & { loginMethods?: Partial<Figures['loginMethods']> }
const fig = (e: Expect): Figures => {
  const f = emptyFigures()
  return { ...f, ...e, loginMethods: { ...f.loginMethods, ...e.loginMethods } }
}

for (const kind of dbKinds()) {
  t.test(`usage statistics from RADIUS accounting on ${kind}`, async (t) => {
    const { ctx } = await testContext(t, kind, { CITYWIFI_TIMEZONE: TZ })
    const prisma = ctx.db.prisma
    const siteA = await addSite(prisma, { name: 'Nhà văn hoá Phường 1' }, 'test')
    const siteB = await addSite(prisma, { name: 'Công viên 23/9' }, 'test')
    // Interim updates an hour apart: nothing here goes stale while the clock jumps.
    const policy = await prisma.policy.create({ data: { name: 'stats', sessionMinutes: 600, interimSeconds: 3600 } })
    await prisma.site.updateMany({ data: { policyId: policy.id } })
    await addNas(prisma, ctx.secrets, { site: siteA.name, name: 'nas-a', address: '127.0.0.1', secret: SECRET, vendor: 'coovachilli' }, 'test')
    await addNas(prisma, ctx.secrets, { site: siteB.name, name: 'nas-b', address: '127.0.0.2', secret: SECRET, vendor: 'coovachilli' }, 'test')
    const { vouchers } = await createVouchers(prisma, { site: siteA.name, count: 1, maxDevices: 1 }, 'test')
    const code = vouchers[0]!.code

    let clock = local('2026-03-10 09:00:00')
    const radius = await startRadiusProcess(ctx, { now: () => clock, jobIntervalMs: 100, changePollMs: 500 })
    let running = true
    t.teardown(() => (running ? radius.close() : undefined))
    const ports = radiusPorts(radius)
    const nasA = new RadiusTestClient(SECRET, '127.0.0.1')
    const nasB = new RadiusTestClient(SECRET, '127.0.0.2')
    t.teardown(() => {
      nasA.close()
      nasB.close()
    })

    const fold = async () => {
      // The service folds every 100 ms too; whichever runs, nothing stays pending.
      for (let i = 0; i < 100 && (await prisma.statsPending.count()) > 0; i++) {
        await foldStats(ctx.db.pool, TZ, clock)
        await new Promise((r) => setTimeout(r, 20))
      }
      t.equal(await prisma.statsPending.count(), 0, 'nothing pending')
    }
    const send = async (nas: RadiusTestClient, at: string, attrs: ReturnType<typeof attr>[]) => {
      clock = local(at)
      const r = await nas.request(Code.AccountingRequest, ports.acct, attrs, { messageAuthenticator: false })
      t.equal(r?.packet.code, Code.AccountingResponse, `answered at ${at}`)
    }
    const rec = (status: string, sid: string, user: string, mac: string, secs: number, input = 0, output = 0, more: ReturnType<typeof attr>[] = []) => [
      attr('Acct-Status-Type', status),
      attr('Acct-Session-Id', sid),
      attr('User-Name', user),
      attr('Calling-Station-Id', mac),
      attr('Acct-Session-Time', secs),
      attr('Acct-Input-Octets', input),
      attr('Acct-Output-Octets', output),
      ...more,
    ]

    // S1, site A, device X, a voucher login: 09:50–10:20 on 10 March.
    clock = local('2026-03-10 09:49:00')
    const login = await nasA.request(Code.AccessRequest, ports.auth, [attr('User-Name', code), attr('Calling-Station-Id', X)], { password: code })
    t.equal(login?.packet.code, Code.AccessAccept)
    await send(nasA, '2026-03-10 09:50:00', rec('Start', 'S1', code, X, 0))
    await fold()
    // The 10:05 interim arrives before the 09:55 one (reordered), then again (retransmitted).
    await send(nasA, '2026-03-10 10:05:00', rec('Interim-Update', 'S1', code, X, 900, 3000, 7000))
    await send(nasA, '2026-03-10 10:05:10', rec('Interim-Update', 'S1', code, X, 300, 1000, 2000, [attr('Acct-Delay-Time', 610)]))
    await send(nasA, '2026-03-10 10:05:20', rec('Interim-Update', 'S1', code, X, 900, 3000, 7000, [attr('Acct-Delay-Time', 20)]))
    await fold()
    // S2, site A, device Y, MAC authentication: 10:10–10:40.
    await send(nasA, '2026-03-10 10:10:00', rec('Start', 'S2', Y, Y, 0))
    // S3, site A, device Z, a name citywifi does not know: 10:12–10:13, its Stop 30 s late.
    await send(nasA, '2026-03-10 10:12:00', rec('Start', 'S3', 'someone', Z, 0))
    await send(nasA, '2026-03-10 10:13:30', rec('Stop', 'S3', 'someone', Z, 60, 10, 20, [attr('Acct-Delay-Time', 30)]))
    await send(nasA, '2026-03-10 10:15:00', rec('Interim-Update', 'S2', Y, Y, 300, 100, 200))
    await send(nasA, '2026-03-10 10:20:00', rec('Stop', 'S1', code, X, 1800, 5000, 9000))
    await fold()
    // S6, site B, device W: 10:30–10:50.
    await send(nasB, '2026-03-10 10:30:00', rec('Start', 'S6', 'guest', W, 0))
    await send(nasA, '2026-03-10 10:40:00', rec('Stop', 'S2', Y, Y, 1800, 500, 800))
    await send(nasB, '2026-03-10 10:50:00', rec('Stop', 'S6', 'guest', W, 1200, 1, 2))
    await countLinkClick(prisma, siteA.id, 'dichvucong', local('2026-03-10 10:30:00'))
    await countLinkClick(prisma, siteA.id, 'dichvucong', local('2026-03-10 10:31:00'))
    await countLinkClick(prisma, siteA.id, 'congdanso', local('2026-03-10 23:50:00'))
    // S4, site A, device X again, across midnight: 23:40–00:30, 4 GiB and a bit sent to it.
    await send(nasA, '2026-03-10 23:40:00', rec('Start', 'S4', 'someone', X, 0))
    await fold()
    await send(nasA, '2026-03-11 00:10:00', rec('Interim-Update', 'S4', 'someone', X, 1800, 100, 5))
    await send(nasA, '2026-03-11 00:30:00', rec('Stop', 'S4', 'someone', X, 3000, 200, 10, [attr('Acct-Output-Gigawords', 1)]))
    // S5, site B, device X: 08:00, an interim at 08:05, then the NAS restarts (Accounting-On) at 08:07.
    await send(nasB, '2026-03-11 08:00:00', rec('Start', 'S5', 'guest', X, 0))
    await send(nasB, '2026-03-11 08:05:00', rec('Interim-Update', 'S5', 'guest', X, 300, 50, 60))
    await send(nasB, '2026-03-11 08:07:00', [attr('Acct-Status-Type', 'Accounting-On')])
    await fold()
    t.ok((await prisma.session.findFirstOrThrow({ where: { acctSessionId: 'S5' } })).stoppedAt, 'Accounting-On closed S5')
    clock = local('2026-03-11 09:00:00')
    await fold()

    // By hand. Site A, 10 March, by hour (the other hours are empty):
    const a09 = fig({ sessions: 1, uniqueDevices: 1, newDevices: 1, sessionSeconds: 600, peakConcurrent: 1, loginMethods: { voucher: 1 } })
    const a10 = fig({
      sessions: 2, // S2, S3
      uniqueDevices: 3, // X (S1 goes on), Y, Z
      newDevices: 2, // Y, Z
      inputOctets: 5000 + 500 + 10, // the interims' deltas reported in this hour: the late 09:55 one adds nothing
      outputOctets: 9000 + 800 + 20,
      sessionSeconds: 1200 + 1800 + 60, // S1 from 10:00 only
      peakConcurrent: 3, // 10:12–10:13: S1, S2, S3
      medianSessionSeconds: 1830, // ended: S3 60 s, S1 and S2 1800 s; by minute: 90, 1830, 1830
      averageSessionSeconds: 1220,
      loginMethods: { mac: 1 },
      linkClicks: { dichvucong: 2 },
    })
    const a23 = fig({ sessions: 1, uniqueDevices: 1, sessionSeconds: 1200, peakConcurrent: 1, linkClicks: { congdanso: 1 } })
    const aDay10 = fig({
      sessions: 4,
      uniqueDevices: 3,
      newDevices: 3,
      inputOctets: 5510,
      outputOctets: 9820,
      sessionSeconds: 600 + 3060 + 1200,
      peakConcurrent: 3,
      medianSessionSeconds: 1830,
      averageSessionSeconds: 1220,
      loginMethods: { voucher: 1, mac: 1 },
      linkClicks: { dichvucong: 2, congdanso: 1 },
    })
    const report = (q: UsageQuery) => usageReport(prisma, q, TZ)
    const hourly = await report({ siteId: siteA.id, from: '2026-03-10', to: '2026-03-10', interval: 'hour' })
    t.equal(hourly.series.length, 24)
    t.equal(hourly.series[0]!.start, '2026-03-10T00:00:00+07:00', 'buckets start at local midnight, with the offset')
    const none = fig({})
    for (const [i, s] of hourly.series.entries()) {
      const { start, ...figures } = s
      const want = i === 9 ? a09 : i === 10 ? a10 : i === 23 ? a23 : none
      t.same(figures, want, `site A, ${start}`)
    }
    t.same(hourly.totals, aDay10, 'site A, 10 March')
    t.same(hourly.site, { id: siteA.id, name: siteA.name })

    // Site A, two days: X is one device over both.
    const aDay11 = fig({ uniqueDevices: 1, inputOctets: 200, outputOctets: GIGA + 10, sessionSeconds: 1800, peakConcurrent: 1, medianSessionSeconds: 3030, averageSessionSeconds: 3000 })
    const aDays = await report({ siteId: siteA.id, from: '2026-03-10', to: '2026-03-11', interval: 'day' })
    t.same(
      aDays.series.map(({ start, ...f }) => [start, f]),
      [
        ['2026-03-10T00:00:00+07:00', aDay10],
        ['2026-03-11T00:00:00+07:00', aDay11],
      ],
    )
    const aTotals = fig({
      sessions: 4,
      uniqueDevices: 3,
      newDevices: 3,
      inputOctets: 5710,
      outputOctets: 9820 + GIGA + 10,
      sessionSeconds: 6660,
      peakConcurrent: 3,
      medianSessionSeconds: 1830, // 90, 1830, 1830, 3030
      averageSessionSeconds: 1665,
      loginMethods: { voucher: 1, mac: 1 },
      linkClicks: { dichvucong: 2, congdanso: 1 },
    })
    t.same(aDays.totals, aTotals, 'site A, 10–11 March')

    // Site B: X is new there on the 11th although seen at A before.
    const bDays = await report({ siteId: siteB.id, from: '2026-03-10', to: '2026-03-11', interval: 'day' })
    t.same(
      bDays.series.map(({ start, ...f }) => [start, f]),
      [
        ['2026-03-10T00:00:00+07:00', fig({ sessions: 1, uniqueDevices: 1, newDevices: 1, inputOctets: 1, outputOctets: 2, sessionSeconds: 1200, peakConcurrent: 1, medianSessionSeconds: 1230, averageSessionSeconds: 1200 })],
        ['2026-03-11T00:00:00+07:00', fig({ sessions: 1, uniqueDevices: 1, newDevices: 1, inputOctets: 50, outputOctets: 60, sessionSeconds: 300, peakConcurrent: 1, medianSessionSeconds: 330, averageSessionSeconds: 300 })],
      ],
    )
    t.same(bDays.totals, fig({ sessions: 2, uniqueDevices: 2, newDevices: 2, inputOctets: 51, outputOctets: 62, sessionSeconds: 1500, peakConcurrent: 1, medianSessionSeconds: 780, averageSessionSeconds: 750 }))

    // All sites: W and X counted once each, whatever the sites.
    const allDay10 = fig({
      sessions: 5,
      uniqueDevices: 4,
      newDevices: 4,
      inputOctets: 5511,
      outputOctets: 9822,
      sessionSeconds: 6060,
      peakConcurrent: 3,
      medianSessionSeconds: 1530, // 90, 1230, 1830, 1830
      averageSessionSeconds: 1215,
      loginMethods: { voucher: 1, mac: 1 },
      linkClicks: { dichvucong: 2, congdanso: 1 },
    })
    const allDay11 = fig({ sessions: 1, uniqueDevices: 1, inputOctets: 250, outputOctets: GIGA + 70, sessionSeconds: 2100, peakConcurrent: 1, medianSessionSeconds: 1680, averageSessionSeconds: 1650 })
    const allTotals = fig({
      sessions: 6,
      uniqueDevices: 4,
      newDevices: 4,
      inputOctets: 5761,
      outputOctets: 9822 + GIGA + 70,
      sessionSeconds: 8160,
      peakConcurrent: 3,
      medianSessionSeconds: 1530, // 90, 330, 1230, 1830, 1830, 3030
      averageSessionSeconds: 1360,
      loginMethods: { voucher: 1, mac: 1 },
      linkClicks: { dichvucong: 2, congdanso: 1 },
    })
    const all = await report({ siteId: null, from: '2026-03-10', to: '2026-03-11', interval: 'day' })
    t.same(all.series.map(({ start, ...f }) => [start, f]), [['2026-03-10T00:00:00+07:00', allDay10], ['2026-03-11T00:00:00+07:00', allDay11]])
    t.same(all.totals, allTotals, 'all sites, 10–11 March')
    t.equal(all.site, null)

    // A month and a year: the stored distinct counts for whole periods.
    const month = await report({ siteId: null, from: '2026-03-01', to: '2026-03-31', interval: 'month' })
    t.same(month.series.map(({ start, ...f }) => [start, f]), [['2026-03-01T00:00:00+07:00', allTotals]])
    t.same(month.totals, allTotals)
    const year = await report({ siteId: null, from: '2026-01-01', to: '2026-12-31', interval: 'month' })
    t.equal(year.series.length, 12)
    t.same(year.totals, allTotals, 'the year')
    t.same(year.series[2]!, { start: '2026-03-01T00:00:00+07:00', ...allTotals })
    t.same(year.series[3]!, { start: '2026-04-01T00:00:00+07:00', ...none })

    // The API says the same, to a viewer's token; and as CSV.
    const admin = await adminFixture(t, kind, { ctx })
    const api = await admin.api('GET', `/api/v1/stats/usage?from=2026-03-10&to=2026-03-11&interval=day`, { role: 'viewer' })
    t.equal(api.status, 200)
    t.same(api.json, JSON.parse(JSON.stringify(all)), 'the API gives the same figures')
    const bySite = await admin.api('GET', `/api/v1/stats/usage?site=${encodeURIComponent(siteA.name)}&from=2026-03-10&to=2026-03-10&interval=hour`, { role: 'viewer' })
    t.same(bySite.json.totals, aDay10, 'a site by name')
    const csv = await fetch(`${admin.url}/api/v1/stats/usage?site=${siteA.id}&from=2026-03-10&to=2026-03-11&interval=day&format=csv`, {
      headers: { authorization: `Bearer ${admin.tokens.viewer}` },
    })
    t.equal(csv.status, 200)
    t.match(csv.headers.get('content-type'), /^text\/csv; charset=utf-8/)
    const bytes = Buffer.from(await csv.arrayBuffer())
    t.same([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'a UTF-8 BOM first, for Excel')
    const lines = bytes.subarray(3).toString('utf8').trimEnd().split('\r\n')
    t.equal(lines.length, 4, 'a header, two days, the totals')
    t.match(lines[0], /^Bắt đầu \(start\),Phiên truy cập \(sessions\),Thiết bị \(uniqueDevices\)/)
    t.match(lines[1], /^2026-03-10T00:00:00\+07:00,4,3,3,5510,9820,4860,3,1830,1220,0,0,1,1,/)
    t.match(lines[3], /^Tổng \(total\),4,3,3,5710,/)

    // Rejects are counted at the moment of the login (the real clock).
    clock = new Date()
    const reject = await nasA.request(Code.AccessRequest, ports.auth, [attr('User-Name', 'nobody'), attr('Calling-Station-Id', Z)], { password: 'x' })
    t.equal(reject?.packet.code, Code.AccessReject)
    const today = dateString(localDay(new Date(), TZ))
    let rejects: Record<string, number> = {}
    for (let i = 0; i < 100 && !Object.keys(rejects).length; i++) {
      await new Promise((r) => setTimeout(r, 50))
      rejects = (await report({ siteId: siteA.id, from: today, to: today, interval: 'day' })).totals.rejects
    }
    t.same(rejects, { unknown_user: 1 }, 'the reject, by reason')
    t.same((await report({ siteId: siteB.id, from: today, to: today, interval: 'day' })).totals.rejects, {}, 'at its site only')

    // Sessions and the fold's working rows purged: the figures stay.
    clock = local('2026-03-11 09:00:00')
    running = false
    await radius.close()
    await prisma.statsPiece.deleteMany()
    await prisma.session.deleteMany()
    t.same((await report({ siteId: null, from: '2026-03-10', to: '2026-03-11', interval: 'day' })).totals, allTotals, 'all sites, after the purge')
    t.same((await report({ siteId: siteA.id, from: '2026-03-10', to: '2026-03-10', interval: 'hour' })).totals, aDay10, 'site A, after the purge')
  })
}
