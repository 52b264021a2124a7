// Accounting over real UDP: the life of a session, retransmissions stored
// once, gigawords, Acct-Delay-Time, Accounting-On, stale sessions, rollups.
import t from 'tap'
import { closeStaleSessions } from '../../core/accounting/maintenance.js'
import { foldStats } from '../../core/stats/fold.js'
import { Code, attr, encodeRequest } from '../../radius/codec/index.js'
import { dbKinds } from '../helpers/databases.js'
import { SECRET, counter, radiusFixture } from './setup.js'

const MAC = 'AA-BB-CC-00-11-22'

for (const kind of dbKinds()) {
  t.test(`accounting on ${kind}`, async (t) => {
    const f = await radiusFixture(t, kind)
    const prisma = f.ctx.db.prisma
    const code = f.vouchers[0]!
    const acct = (attrs: ReturnType<typeof attr>[]) => f.client.request(Code.AccountingRequest, f.ports.acct, attrs, { messageAuthenticator: false })
    const base = (status: string, sid = 'S-1') => [
      attr('Acct-Status-Type', status),
      attr('Acct-Session-Id', sid),
      attr('User-Name', code),
      attr('Calling-Station-Id', 'aa:bb:cc:00:11:22'),
      attr('Framed-IP-Address', '10.1.0.23'),
      attr('Called-Station-Id', '00-11-22-33-44-55:CityWiFi'),
    ]

    // Log in first, so the session is one citywifi authorised.
    const login = await f.client.request(Code.AccessRequest, f.ports.auth, [attr('User-Name', code), attr('Calling-Station-Id', MAC)], { password: code })
    t.equal(login?.packet.code, Code.AccessAccept)

    t.test('Start, Interim-Update, Stop', async (t) => {
      const start = await acct(base('Start'))
      t.equal(start?.packet.code, Code.AccountingResponse, 'Start acknowledged')
      t.ok(start?.verified)
      let s = await prisma.session.findFirstOrThrow({ where: { acctSessionId: 'S-1' }, include: { device: true } })
      t.equal(s.stoppedAt, null)
      t.equal(s.authorized, true, 'citywifi saw this login accepted')
      t.equal(s.method, 'voucher')
      t.equal(s.device?.mac, MAC, 'MAC stored in canonical form')
      t.equal(s.framedIp, '10.1.0.23')
      t.equal(s.nasIp, '127.0.0.1')

      const interim = await acct([...base('Interim-Update'), attr('Acct-Session-Time', 300), attr('Acct-Input-Octets', 1000), attr('Acct-Output-Octets', 5000), attr('Acct-Output-Gigawords', 1)])
      t.equal(interim?.packet.code, Code.AccountingResponse)
      s = await prisma.session.findFirstOrThrow({ where: { acctSessionId: 'S-1' }, include: { device: true } })
      t.equal(s.sessionSeconds, 300)
      t.equal(s.inputOctets, 1000n)
      t.equal(s.outputOctets, 2n ** 32n + 5000n, 'gigawords counted')

      // The same interim again (a retransmission with a new identifier): nothing counted twice.
      await acct([...base('Interim-Update'), attr('Acct-Session-Time', 300), attr('Acct-Input-Octets', 1000), attr('Acct-Output-Octets', 5000), attr('Acct-Output-Gigawords', 1)])
      const stop = await acct([...base('Stop'), attr('Acct-Session-Time', 600), attr('Acct-Input-Octets', 2000), attr('Acct-Output-Octets', 9000), attr('Acct-Output-Gigawords', 1), attr('Acct-Terminate-Cause', 'User-Request')])
      t.equal(stop?.packet.code, Code.AccountingResponse)
      s = await prisma.session.findFirstOrThrow({ where: { acctSessionId: 'S-1' }, include: { device: true } })
      t.ok(s.stoppedAt, 'stopped')
      t.equal(s.closeReason, 'stop')
      t.equal(s.terminateCause, 'User-Request')
      t.equal(s.sessionSeconds, 600)
      // A late duplicate Stop changes nothing.
      await acct([...base('Stop'), attr('Acct-Session-Time', 600), attr('Acct-Input-Octets', 2000), attr('Acct-Output-Octets', 9000), attr('Acct-Output-Gigawords', 1)])
      t.equal(await prisma.session.count(), 1, 'one session row')

      // Batches leave their part of the statistics pending; the periodic job adds it up.
      const fold = () => foldStats(f.ctx.db.pool, f.ctx.config.timeZone)
      t.ok((await fold()).changes > 0, 'pending statistics folded')
      t.equal((await fold()).changes, 0, 'and only once')
      const usage = await prisma.statsHourly.findMany({ where: { scope: f.siteId } })
      const sum = (k: 'sessions' | 'peakConcurrent') => usage.reduce((a, u) => a + u[k], 0)
      t.equal(sum('sessions'), 1, 'one session started')
      t.ok(usage.every((u) => u.uniqueDevices <= 1) && usage.some((u) => u.uniqueDevices === 1), 'one device')
      t.equal(usage.reduce((a, u) => a + u.sessionSeconds, 0n), 600n, 'seconds counted once')
      t.equal(usage.reduce((a, u) => a + u.inputOctets, 0n), 2000n, 'octets from the devices counted once')
      t.equal(usage.reduce((a, u) => a + u.outputOctets, 0n), 9000n + 2n ** 32n, 'octets to the devices counted once')
      const daily = await prisma.deviceUsageDaily.findMany()
      t.equal(daily.length, 1)
      t.equal(daily[0]!.seconds, 600)
      t.equal(daily[0]!.octets, 2000n + 9000n + 2n ** 32n)
      const voucher = await prisma.voucher.findUniqueOrThrow({ where: { code } })
      t.equal(voucher.usedSeconds, 600, 'the voucher used 10 minutes')
      t.ok((await counter(f.ctx, 'citywifi_radius_accounting_records_total', { status: 'interim' })) >= 2)
    })

    t.test('the very same packet retransmitted is answered from the cache', async (t) => {
      const raw = encodeRequest({ code: Code.AccountingRequest, identifier: 200, secret: SECRET, attributes: [...base('Start', 'S-dup')] })
      const a = await f.client.sendRaw(raw, f.ports.acct)
      const b = await f.client.sendRaw(raw, f.ports.acct)
      t.same(a, b)
      t.equal(await prisma.session.count({ where: { acctSessionId: 'S-dup' } }), 1)
    })

    t.test('Acct-Delay-Time moves the event back in time', async (t) => {
      await acct([...base('Start', 'S-delay'), attr('Acct-Delay-Time', 120)])
      const s = await prisma.session.findFirstOrThrow({ where: { acctSessionId: 'S-delay' } })
      const age = (Date.now() - s.startedAt.getTime()) / 1000
      t.ok(age >= 119 && age < 140, `started ${age.toFixed(0)} s ago`)
    })

    t.test('a session citywifi did not see authorised is stored, flagged', async (t) => {
      const r = await acct([attr('Acct-Status-Type', 'Start'), attr('Acct-Session-Id', 'S-local'), attr('User-Name', 'someone-else'), attr('Calling-Station-Id', '02:00:00:00:00:09')])
      t.equal(r?.packet.code, Code.AccountingResponse)
      const s = await prisma.session.findFirstOrThrow({ where: { acctSessionId: 'S-local' } })
      t.equal(s.authorized, false)
    })

    t.test('a wrong Request Authenticator is dropped', async (t) => {
      const raw = encodeRequest({ code: Code.AccountingRequest, identifier: 201, secret: 'not-the-secret-00000', attributes: base('Start', 'S-forged') })
      t.equal(await f.client.sendRaw(raw, f.ports.acct, 400), undefined)
      t.equal(await prisma.session.count({ where: { acctSessionId: 'S-forged' } }), 0)
      t.ok((await counter(f.ctx, 'citywifi_radius_packets_dropped_total', { reason: 'bad_authenticator' })) >= 1)
    })

    t.test('peak concurrency and stale sessions', async (t) => {
      await acct(base('Start', 'S-stale'))
      // Peaks are computed by the fold from the reported spans (test/stats/usage-*.test.ts checks them).
      t.ok((await foldStats(f.ctx.db.pool, f.ctx.config.timeZone)).changes > 0, 'the new sessions folded')
      // Interim is 60 s: after 2 × 60 + 120 s without news a session is stale.
      t.equal(await closeStaleSessions(prisma, new Date(Date.now() + 100_000)), 0, 'not yet')
      const closed = await closeStaleSessions(prisma, new Date(Date.now() + 300_000))
      t.equal(closed, 4)
      const s = await prisma.session.findFirstOrThrow({ where: { acctSessionId: 'S-stale' } })
      t.equal(s.closeReason, 'stale')
      // It reports after all: it was alive, so it is open again.
      await acct([...base('Interim-Update', 'S-stale'), attr('Acct-Session-Time', 60)])
      const again = await prisma.session.findFirstOrThrow({ where: { acctSessionId: 'S-stale' } })
      t.equal(again.stoppedAt, null)
      t.equal(again.closeReason, null)
    })

    t.test('Accounting-On closes every open session of the NAS', async (t) => {
      await acct(base('Start', 'S-a'))
      await acct(base('Start', 'S-b'))
      const open = await prisma.session.count({ where: { stoppedAt: null } })
      t.ok(open >= 2)
      const on = await acct([attr('Acct-Status-Type', 'Accounting-On'), attr('NAS-Identifier', 'nas-1')])
      t.equal(on?.packet.code, Code.AccountingResponse)
      t.equal(await prisma.session.count({ where: { stoppedAt: null } }), 0)
      t.equal(await prisma.session.count({ where: { closeReason: 'nas_reboot' } }), open)
    })

    t.test('a record without Acct-Session-Id is dropped, not acknowledged', async (t) => {
      const r = await f.client.request(Code.AccountingRequest, f.ports.acct, [attr('Acct-Status-Type', 'Start'), attr('User-Name', code)], { messageAuthenticator: false, timeoutMs: 400 })
      t.equal(r, undefined)
    })

    t.test('the NAS was seen', async (t) => {
      // Last-seen times are written by the periodic job; closing the service runs it too.
      t.ok((await counter(f.ctx, 'citywifi_radius_packets_received_total', { code: 'Accounting-Request' })) >= 10)
    })
  })
}
