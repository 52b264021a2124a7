// Issue #10 item 4: RADIUS MAC authentication lets a returning device in only
// on a consent given at this site, to the terms in force, by a login method
// this site allows today. Over UDP, on both databases.
import t from 'tap'
import { addSite } from '../../core/services/sites.js'
import { deviceForMac } from '../../core/services/devices.js'
import { currentTerms } from '../../core/services/terms.js'
import { Code, attr } from '../../radius/codec/index.js'
import { dbKinds } from '../helpers/databases.js'
import { radiusFixture, type RadiusFixture } from '../radius/setup.js'

async function macLogin(f: RadiusFixture, mac: string): Promise<number | undefined> {
  const r = await f.client.request(Code.AccessRequest, f.ports.auth, [attr('User-Name', mac), attr('Calling-Station-Id', mac)], { password: '' })
  return r?.packet.code
}

async function consent(f: RadiusFixture, mac: string, data: { siteId?: number; termsId?: number; method?: 'click_through' | 'otp' | 'voucher' }) {
  const prisma = f.ctx.db.prisma
  const device = await deviceForMac(prisma, mac)
  const terms = data.termsId ?? (await currentTerms(prisma)).id
  await prisma.consent.create({
    data: { deviceId: device.id, siteId: data.siteId ?? f.siteId, termsId: terms, method: data.method ?? 'click_through', expiresAt: new Date(Date.now() + 86_400_000) },
  })
}

for (const kind of dbKinds()) {
  t.test(`MAC authentication needs a consent of this site on ${kind}`, async (t) => {
    const f = await radiusFixture(t, kind)
    const prisma = f.ctx.db.prisma
    const elsewhere = await addSite(prisma, { name: 'Công viên khác' }, 'test')

    // A click-through at another site does not open this one.
    await consent(f, 'AA-00-00-00-00-01', { siteId: elsewhere.id })
    t.equal(await macLogin(f, 'AA-00-00-00-00-01'), Code.AccessReject, 'consent given at another site')
    await consent(f, 'AA-00-00-00-00-01', {})
    t.equal(await macLogin(f, 'AA-00-00-00-00-01'), Code.AccessAccept, 'consent given here')

    // A voucher's consent never counts.
    await consent(f, 'AA-00-00-00-00-02', { method: 'voucher' })
    t.equal(await macLogin(f, 'AA-00-00-00-00-02'), Code.AccessReject, 'voucher consent')
  })

  t.test(`MAC authentication needs the terms in force on ${kind}`, async (t) => {
    const f = await radiusFixture(t, kind)
    const prisma = f.ctx.db.prisma
    const old = await currentTerms(prisma)
    // A newer version in force, written as an import or a second copy would
    // (without ending the earlier consents).
    await new Promise((r) => setTimeout(r, 20))
    const newer = await prisma.terms.create({
      data: { version: 'v-new', summaryVi: 'mới', summaryEn: 'new', bodyVi: 'mới', bodyEn: 'new', effectiveAt: new Date() },
    })
    t.equal((await currentTerms(prisma)).id, newer.id, 'the newer version is in force')
    await consent(f, 'AA-00-00-00-00-03', { termsId: old.id })
    t.equal(await macLogin(f, 'AA-00-00-00-00-03'), Code.AccessReject, 'consent to an earlier version')
    await consent(f, 'AA-00-00-00-00-03', {})
    t.equal(await macLogin(f, 'AA-00-00-00-00-03'), Code.AccessAccept, 'consent to the version in force')
  })

  t.test(`MAC authentication needs a login method the site allows on ${kind}`, async (t) => {
    const f = await radiusFixture(t, kind)
    const prisma = f.ctx.db.prisma
    await consent(f, 'AA-00-00-00-00-04', { method: 'click_through' })
    await consent(f, 'AA-00-00-00-00-05', { method: 'otp' })
    // Directive 66 mode switched on after the click-through.
    await prisma.site.update({ where: { id: f.siteId }, data: { allowOtp: true, otpRequired: true } })
    t.equal(await macLogin(f, 'AA-00-00-00-00-04'), Code.AccessReject, 'click-through at a site that now requires a phone code')
    t.equal(await macLogin(f, 'AA-00-00-00-00-05'), Code.AccessAccept, 'phone-verified consent')
  })
}
