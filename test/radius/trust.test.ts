// Issue #10, the attacker's packets at RADIUS: what a NAS's packet must carry
// before it is believed, sent over UDP on 127.0.0.1 on both databases.
import t from 'tap'
import { deviceForMac } from '../../core/services/devices.js'
import { currentTerms } from '../../core/services/terms.js'
import { recordChange } from '../../core/services/changes.js'
import { Code, attr } from '../../radius/codec/index.js'
import { DuplicateCache } from '../../radius/duplicates.js'
import { Registry } from 'prom-client'
import { radiusMetrics } from '../../radius/metrics.js'
import { RadiusServer, bindUdp } from '../../radius/server.js'
import type { Logger } from '../../core/logger.js'
import { RadiusTestClient } from '../helpers/radius-client.js'
import { dbKinds } from '../helpers/databases.js'
import { SECRET, counter, radiusFixture, type RadiusFixture } from './setup.js'

const VICTIM = 'AA-AA-AA-00-00-01'

async function start(f: RadiusFixture, ap: RadiusTestClient, sid: string, mac: string) {
  const r = await ap.request(
    Code.AccountingRequest,
    f.ports.acct,
    [attr('Acct-Status-Type', 'Start'), attr('Acct-Session-Id', sid), attr('User-Name', mac), attr('Calling-Station-Id', mac)],
    { messageAuthenticator: false },
  )
  if (r?.packet.code !== Code.AccountingResponse) throw new Error(`Start ${sid} not acknowledged`)
}

async function openSessions(f: RadiusFixture): Promise<string[]> {
  const rows = await f.ctx.db.prisma.session.findMany({ where: { stoppedAt: null }, orderBy: { acctSessionId: 'asc' } })
  return rows.map((r) => r.acctSessionId)
}

for (const kind of dbKinds()) {
  t.test(`a NAS registered as a network: one access point's Accounting-On closes its own sessions, once, on ${kind}`, async (t) => {
    const f = await radiusFixture(t, kind)
    const prisma = f.ctx.db.prisma
    await prisma.accessPoint.update({ where: { id: f.nasId }, data: { address: '127.0.0.0/29' } })
    await recordChange(prisma, 'nas', String(f.nasId))
    const ap1 = f.client
    const ap2 = new RadiusTestClient(SECRET, '127.0.0.2')
    const attacker = new RadiusTestClient(SECRET, '127.0.0.2') // the same address (spoofed), another port
    t.teardown(() => (ap2.close(), attacker.close()))
    // The registry reloads within seconds: wait until the second access point is heard.
    for (let i = 0; i < 50; i++) {
      const r = await ap2.request(Code.AccountingRequest, f.ports.acct, [attr('Acct-Status-Type', 'Failed')], { messageAuthenticator: false, timeoutMs: 300 })
      if (r) break
    }
    await start(f, ap1, 's1-ap1', 'AA-AA-AA-00-00-01')
    await start(f, ap2, 's2-ap2', 'AA-AA-AA-00-00-02')
    const on = ap2.build(
      Code.AccountingRequest,
      [attr('Acct-Status-Type', 'Accounting-On'), attr('Event-Timestamp', new Date(Math.floor(Date.now() / 1000) * 1000)), attr('NAS-Identifier', 'nas-1')],
      { messageAuthenticator: false },
    )
    t.ok(await ap2.sendRaw(on, f.ports.acct), 'Accounting-On acknowledged')
    t.same(await openSessions(f), ['s1-ap1'], "only the restarted access point's session is closed")

    await start(f, ap2, 's3-ap2', 'AA-AA-AA-00-00-03')
    // The captured Accounting-On, replayed (its authenticator is still valid) from another port past the duplicate cache.
    t.ok(await attacker.sendRaw(on, f.ports.acct), 'the replay is acknowledged')
    t.same(await openSessions(f), ['s1-ap1', 's3-ap2'], 'and closes nothing')
    const later = ap2.build(
      Code.AccountingRequest,
      [attr('Acct-Status-Type', 'Accounting-On'), attr('Event-Timestamp', new Date((Math.floor(Date.now() / 1000) + 5) * 1000)), attr('NAS-Identifier', 'nas-1')],
      { messageAuthenticator: false },
    )
    t.ok(await ap2.sendRaw(later, f.ports.acct))
    t.same(await openSessions(f), ['s1-ap1'], 'a later restart of that access point still closes its sessions')
  })

  t.test(`no Calling-Station-Id: MAC authentication refused, even for a device that consented, on ${kind}`, async (t) => {
    const f = await radiusFixture(t, kind)
    const prisma = f.ctx.db.prisma
    const device = await deviceForMac(prisma, VICTIM)
    const terms = await currentTerms(prisma)
    await prisma.consent.create({ data: { deviceId: device.id, siteId: f.siteId, termsId: terms.id, method: 'click_through', expiresAt: new Date(Date.now() + 86_400_000) } })
    // The attacker puts the victim's MAC (seen over the air) in User-Name and sends no Calling-Station-Id.
    const forged = await f.client.request(Code.AccessRequest, f.ports.auth, [attr('User-Name', VICTIM)], { password: '' })
    t.equal(forged?.packet.code, Code.AccessReject, 'refused')
    const honest = await f.client.request(Code.AccessRequest, f.ports.auth, [attr('User-Name', VICTIM), attr('Calling-Station-Id', VICTIM)], { password: '' })
    t.equal(honest?.packet.code, Code.AccessAccept, 'the same device with its Calling-Station-Id still gets in')
  })

  t.test(`no Calling-Station-Id: a voucher is refused rather than used without a device place, on ${kind}`, async (t) => {
    const f = await radiusFixture(t, kind, { vouchers: 1, voucherDevices: 1 })
    const code = f.vouchers[0]!
    const bare = await f.client.request(Code.AccessRequest, f.ports.auth, [attr('User-Name', code)], { password: code })
    t.equal(bare?.packet.code, Code.AccessReject, 'refused')
    const v = await f.ctx.db.prisma.voucher.findUniqueOrThrow({ where: { code }, include: { devices: true } })
    t.equal(v.devices.length, 0, 'no device place taken')
    const first = await f.client.request(Code.AccessRequest, f.ports.auth, [attr('User-Name', code), attr('Calling-Station-Id', VICTIM)], { password: code })
    t.equal(first?.packet.code, Code.AccessAccept, 'a device that says who it is takes the place')
    const second = await f.client.request(Code.AccessRequest, f.ports.auth, [attr('User-Name', code)], { password: code })
    t.equal(second?.packet.code, Code.AccessReject, 'and no device past the limit gets in by leaving it out')
  })
}

t.test('the duplicate cache answers and keeps only requests the NAS signed', async (t) => {
  const f = await radiusFixture(t, dbKinds()[0]!)
  const mac = 'AA-AA-AA-00-00-09'
  const genuine = f.client.build(Code.AccessRequest, [attr('User-Name', 'no-such-user'), attr('Calling-Station-Id', mac)], { password: 'wrong' })
  const first = await f.client.sendRaw(genuine, f.ports.auth)
  t.equal(first?.[0], Code.AccessReject, 'the genuine request is answered')

  // Someone on the NAS's path copies its header (Identifier, Authenticator) and
  // changes the attributes: the Message-Authenticator no longer matches.
  const altered = Buffer.from(genuine)
  altered[altered.indexOf('no-such-user')] = 'N'.charCodeAt(0)
  t.equal(await f.client.sendRaw(altered, f.ports.auth, 400), undefined, 'a forged copy gets no cached reply')
  t.equal(await counter(f.ctx, 'citywifi_radius_packets_dropped_total', { reason: 'bad_message_authenticator' }), 1, 'it is dropped as forged')

  // A forged request reusing the Identifier must not push the genuine one out of its slot.
  const other = Buffer.from(altered)
  other.writeUInt32BE(0xdeadbeef, 4)
  t.equal(await f.client.sendRaw(other, f.ports.auth, 400), undefined)
  const again = await f.client.sendRaw(genuine, f.ports.auth)
  t.ok(again && first && again.equals(first), 'the retransmission gets the same reply')
  t.equal(await counter(f.ctx, 'citywifi_radius_duplicates_total'), 1, 'from the cache, not handled twice')
})

t.test('the duplicate cache stays under its cap whatever a flood of new requests', async (t) => {
  const d = new DuplicateCache(30_000, 100)
  t.teardown(() => d.close())
  const p = Buffer.alloc(20)
  p[0] = 4
  for (let port = 1; port <= 1_000; port++) {
    p[1] = port % 256
    p.writeUInt32BE(port, 4)
    d.check('192.0.2.1', port, p, 0)
  }
  t.equal(d.size, 100, 'the oldest slots made room')
  const last = Buffer.from(p)
  t.equal(d.check('192.0.2.1', 1_000, last, 1), null, 'the newest request is still known (in progress)')
})

t.test('packets from many spoofed unknown addresses: one warning line, not one per address', async (t) => {
  const warnings: unknown[] = []
  const quiet = () => {}
  const log = { warn: (o: unknown) => warnings.push(o), debug: quiet, info: quiet, error: quiet } as unknown as Logger
  const registry = { match: () => undefined } as never
  const server = new RadiusServer(registry, {} as never, radiusMetrics(new Registry()), log)
  const socket = await bindUdp('127.0.0.1', 0, 'test')
  server.attach(socket, 'auth')
  t.teardown(async () => (await server.close(), socket.close()))
  const port = socket.address().port
  const senders = Array.from({ length: 5 }, (_, i) => new RadiusTestClient(SECRET, `127.0.0.${10 + i}`))
  t.teardown(() => senders.forEach((s) => s.close()))
  for (const s of senders) await s.sendRaw(s.build(Code.AccessRequest, [attr('User-Name', 'x')], { password: 'x' }), port, 100)
  t.equal(warnings.length, 1, 'five addresses, one line')
})
