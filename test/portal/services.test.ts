// The portal's domain services in core/: consents, one-time credentials for
// them, phone verification, link counters. On both databases.
import t from 'tap'
import { activeConsent, credentialForConsent, recordConsent } from '../../core/services/consents.js'
import { deviceForMac } from '../../core/services/devices.js'
import { countLinkClick, hourOf, siteLinks } from '../../core/services/link-clicks.js'
import { OTP_MAX_ATTEMPTS, pendingOtp, resendOtp, startOtp, verifyOtp, vietnameseMobile } from '../../core/services/otp.js'
import { testContext } from '../helpers/app.js'
import { dbKinds } from '../helpers/databases.js'
import { seedSite } from './setup.js'

t.test('Vietnamese mobile numbers in every usual spelling; landlines and foreign numbers refused', async (t) => {
  for (const s of ['0912345678', '0912 345 678', '091-234-5678', '+84912345678', '+84 91 234 5678', '84912345678', '(091) 234 5678']) {
    t.equal(vietnameseMobile(s), '+84912345678', s)
  }
  t.equal(vietnameseMobile('0312345678'), '+84312345678', 'Viettel 03x')
  for (const s of ['0243 8251 234', '+14155550100', '0123456789', '12345', '', 'abc0912345678', '0912345678999']) t.equal(vietnameseMobile(s), undefined, s)
})

for (const kind of dbKinds()) {
  t.test(`${kind}: consent is recorded once per form, with the terms version and the policy's period`, async (t) => {
    const { ctx } = await testContext(t, kind)
    const db = ctx.db.prisma
    const { site } = await seedSite(ctx, { policy: { name: 'p', sessionMinutes: 30, consentDays: 7 } })
    const device = await deviceForMac(db, 'aa:bb:cc:00:00:01')
    const now = new Date('2026-11-27T03:00:00Z')
    const first = await recordConsent(db, { deviceId: device.id, siteId: site.id, method: 'click_through', requestKey: 'key-1', now })
    t.equal(first.created, true)
    t.equal(first.consent.expiresAt.toISOString(), '2026-12-04T03:00:00.000Z', 'accepted + 7 days')
    const terms = await db.terms.findUniqueOrThrow({ where: { id: first.consent.termsId } })
    t.equal(terms.version, '2026-11-v1')
    const again = await recordConsent(db, { deviceId: device.id, siteId: site.id, method: 'click_through', requestKey: 'key-1' })
    t.equal(again.created, false)
    t.equal(again.consent.id, first.consent.id)
    const raced = await Promise.all([1, 2, 3].map(() => recordConsent(db, { deviceId: device.id, siteId: site.id, method: 'click_through', requestKey: 'key-2' })))
    t.equal(new Set(raced.map((r) => r.consent.id)).size, 1, 'three submits at once: one consent')
    t.equal(await db.consent.count(), 2)
    const other = await deviceForMac(db, 'aa:bb:cc:00:00:02')
    await t.rejects(recordConsent(db, { deviceId: other.id, siteId: site.id, method: 'click_through', requestKey: 'key-1' }), /already used/)
  })

  t.test(`${kind}: a repeated submit gets the same one-time credential back`, async (t) => {
    const { ctx } = await testContext(t, kind)
    const db = ctx.db.prisma
    const { site, nas } = await seedSite(ctx)
    const device = await deviceForMac(db, 'aa:bb:cc:00:00:03')
    const { consent } = await recordConsent(db, { deviceId: device.id, siteId: site.id, method: 'click_through', requestKey: 'k' })
    const a = await credentialForConsent(db, ctx.secrets, { consent, nasId: nas.id })
    const b = await credentialForConsent(db, ctx.secrets, { consent, nasId: nas.id })
    t.equal(a.created, true)
    t.equal(b.created, false)
    t.equal(b.username, a.username)
    t.equal(b.password, a.password)
    const parallel = await Promise.all([1, 2, 3, 4].map(() => credentialForConsent(db, ctx.secrets, { consent, nasId: nas.id })))
    t.equal(new Set(parallel.map((c) => c.username)).size, 1)
    t.equal(await db.credential.count(), 1, 'one credential for all of them')
    // Used long ago: a new login needs a new credential.
    await db.credential.updateMany({ data: { usedAt: new Date(Date.now() - 3600_000) } })
    const c = await credentialForConsent(db, ctx.secrets, { consent, nasId: nas.id })
    t.not(c.username, a.username)
  })

  t.test(`${kind}: a returning device is found by an unexpired consent to the terms in force`, async (t) => {
    const { ctx } = await testContext(t, kind)
    const db = ctx.db.prisma
    const { site } = await seedSite(ctx)
    const device = await deviceForMac(db, 'aa:bb:cc:00:00:04')
    t.equal(await activeConsent(db, { deviceId: device.id, siteId: site.id, methods: ['click_through'] }), null)
    const { consent } = await recordConsent(db, { deviceId: device.id, siteId: site.id, method: 'click_through', requestKey: 'r' })
    t.equal((await activeConsent(db, { deviceId: device.id, siteId: site.id, methods: ['click_through', 'otp'] }))?.id, consent.id)
    t.equal(await activeConsent(db, { deviceId: device.id, siteId: site.id, methods: ['otp'] }), null, 'an OTP-only site needs an OTP consent')
    t.equal(await activeConsent(db, { deviceId: device.id, siteId: site.id, methods: ['click_through'], now: new Date(Date.now() + 31 * 86_400_000) }), null, 'expired')
    await db.terms.create({ data: { version: '2027-01', summaryVi: 'a', summaryEn: 'a', bodyVi: 'a', bodyEn: 'a', effectiveAt: new Date() } })
    t.equal(await activeConsent(db, { deviceId: device.id, siteId: site.id, methods: ['click_through'] }), null, 'new terms must be accepted again')
  })

  t.test(`${kind}: phone verification — code, tries, expiry, resend, nothing in clear`, async (t) => {
    const { ctx } = await testContext(t, kind)
    const db = ctx.db.prisma
    const { site } = await seedSite(ctx)
    const mac = 'AA-BB-CC-00-00-05'
    const t0 = new Date()
    const started = await startOtp(db, ctx.secrets, { siteId: site.id, phoneE164: '+84912345678', mac, now: t0 })
    if (started.kind !== 'sent') return t.fail('not sent')
    t.match(started.code, /^\d{6}$/)
    const row = await db.otpChallenge.findUniqueOrThrow({ where: { id: started.challenge.id } })
    t.notMatch(JSON.stringify(row), /912345678|\+84/, 'no phone number stored')
    t.notMatch(row.codeHash, new RegExp(started.code), 'no code stored')
    t.equal((await pendingOtp(db, { siteId: site.id, mac }))?.id, row.id, 'found again by the device')
    const wrong = started.code === '000000' ? '111111' : '000000'
    const args = { challengeId: row.id, siteId: site.id, mac }
    t.same(await verifyOtp(db, ctx.secrets, { ...args, code: wrong }), { kind: 'wrong', attemptsLeft: OTP_MAX_ATTEMPTS - 1 })
    t.same(await verifyOtp(db, ctx.secrets, { ...args, mac: 'AA-BB-CC-00-00-06', code: started.code }), { kind: 'gone' }, 'another device cannot use it')
    t.equal((await verifyOtp(db, ctx.secrets, { ...args, code: started.code, now: new Date(t0.getTime() + 301_000) })).kind, 'expired', 'after 5 minutes')
    t.equal((await verifyOtp(db, ctx.secrets, { ...args, code: started.code })).kind, 'verified')
    t.equal((await verifyOtp(db, ctx.secrets, { ...args, code: started.code })).kind, 'used', 'verified once: a second check is a replay (the route recognises its own double tap by the form key)')
    t.equal((await verifyOtp(db, ctx.secrets, { ...args, code: '000000' })).kind, 'used', 'whatever code is typed')
    t.equal(await pendingOtp(db, { siteId: site.id, mac }), null, 'no longer pending')
  })

  t.test(`${kind}: five wrong tries lock the code; a resend after 60 s gives a new one`, async (t) => {
    const { ctx } = await testContext(t, kind)
    const db = ctx.db.prisma
    const { site } = await seedSite(ctx)
    const mac = 'AA-BB-CC-00-00-07'
    const t0 = new Date()
    const started = await startOtp(db, ctx.secrets, { siteId: site.id, phoneE164: '+84987654321', mac, now: t0 })
    if (started.kind !== 'sent') return t.fail('not sent')
    const args = { challengeId: started.challenge.id, siteId: site.id, mac }
    const wrong = started.code === '999999' ? '888888' : '999999'
    const results = await Promise.all(Array.from({ length: 8 }, () => verifyOtp(db, ctx.secrets, { ...args, code: wrong })))
    t.equal(results.filter((r) => r.kind === 'wrong').length, OTP_MAX_ATTEMPTS - 1, 'parallel guesses count')
    t.ok(results.filter((r) => r.kind === 'locked').length >= 1)
    t.equal((await db.otpChallenge.findUniqueOrThrow({ where: { id: args.challengeId } })).attempts, OTP_MAX_ATTEMPTS, 'never more than the limit')
    t.equal((await verifyOtp(db, ctx.secrets, { ...args, code: started.code })).kind, 'locked', 'the right code no longer works')
    const soon = await resendOtp(db, ctx.secrets, { ...args, phoneE164: '+84987654321', now: new Date(t0.getTime() + 20_000) })
    t.match(soon, { kind: 'too-soon', waitSeconds: 40 })
    t.same(await resendOtp(db, ctx.secrets, { ...args, phoneE164: '+84900000000', now: new Date(t0.getTime() + 61_000) }), { kind: 'gone' }, 'only to the same number')
    const again = await resendOtp(db, ctx.secrets, { ...args, phoneE164: '+84987654321', now: new Date(t0.getTime() + 61_000) })
    if (again.kind !== 'sent') return t.fail(`resend: ${again.kind}`)
    t.equal(again.challenge.attempts, 0, 'tries start again')
    t.equal(again.challenge.sentCount, 2)
    t.equal((await verifyOtp(db, ctx.secrets, { ...args, code: again.code, now: new Date(t0.getTime() + 62_000) })).kind, 'verified')
  })

  t.test(`${kind}: sending limits per phone, device and site`, async (t) => {
    const { ctx } = await testContext(t, kind)
    const db = ctx.db.prisma
    const { site } = await seedSite(ctx)
    const limits = { phonePer15Min: 2, phonePerDay: 10, macPerHour: 2, sitePerHour: 5 }
    const send = (phone: string, mac: string) => startOtp(db, ctx.secrets, { siteId: site.id, phoneE164: phone, mac, limits })
    t.equal((await send('+84911111111', 'AA-00-00-00-00-01')).kind, 'sent')
    t.equal((await send('+84911111111', 'AA-00-00-00-00-02')).kind, 'sent')
    t.match(await send('+84911111111', 'AA-00-00-00-00-03'), { kind: 'limited', reason: 'phone' })
    t.equal((await send('+84922222222', 'AA-00-00-00-00-01')).kind, 'sent')
    t.match(await send('+84933333333', 'AA-00-00-00-00-01'), { kind: 'limited', reason: 'mac' })
    t.equal((await send('+84944444444', 'AA-00-00-00-00-04')).kind, 'sent')
    t.equal((await send('+84955555555', 'AA-00-00-00-00-05')).kind, 'sent')
    const full = await send('+84966666666', 'AA-00-00-00-00-06')
    t.match(full, { kind: 'limited', reason: 'site' })
    if (full.kind === 'limited') t.ok(full.retryAfterSeconds > 0 && full.retryAfterSeconds <= 3600)
  })

  t.test(`${kind}: link clicks add up per site, hour and link`, async (t) => {
    const { ctx } = await testContext(t, kind)
    const db = ctx.db.prisma
    const { site } = await seedSite(ctx)
    const at = new Date('2026-11-27T08:25:00Z')
    await Promise.all(Array.from({ length: 10 }, () => countLinkClick(db, site.id, 'dichvucong', at)))
    await countLinkClick(db, site.id, 'congdanso', at)
    await countLinkClick(db, site.id, 'dichvucong', new Date('2026-11-27T09:01:00Z'))
    const rows = await db.statsLinkHourly.findMany({ where: { scope: site.id }, orderBy: [{ hour: 'asc' }, { linkKey: 'asc' }] })
    t.same(
      rows.map((r) => [r.hour.toISOString(), r.linkKey, r.count]),
      [
        ['2026-11-27T08:00:00.000Z', 'congdanso', 1],
        ['2026-11-27T08:00:00.000Z', 'dichvucong', 10],
        ['2026-11-27T09:00:00.000Z', 'dichvucong', 1],
      ],
    )
    t.equal(hourOf(at).toISOString(), '2026-11-27T08:00:00.000Z')
    t.same(siteLinks([{ key: 'ok', labelVi: 'A', url: 'https://a.example/' }, { key: 'bad', url: 'javascript:x' }, { key: 'ok', url: 'https://dup.example/' }, 'junk']).map((l) => l.key), ['ok'])
  })
}
