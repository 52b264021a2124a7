// Issue #10, the attacker's packets at RADIUS: what a NAS's packet must carry
// before it is believed, sent over UDP on 127.0.0.1 on both databases.
import t from 'tap'
import { deviceForMac } from '../../core/services/devices.js'
import { currentTerms } from '../../core/services/terms.js'
import { Code, attr } from '../../radius/codec/index.js'
import { dbKinds } from '../helpers/databases.js'
import { radiusFixture } from './setup.js'

const VICTIM = 'AA-AA-AA-00-00-01'

for (const kind of dbKinds()) {
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
