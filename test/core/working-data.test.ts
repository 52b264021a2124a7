// Working rows past their use are deleted; everything younger, and the
// newest change-log entry, stays. On both databases.
import t from 'tap'
import { KEEP_MS, purgeWorkingData } from '../../core/accounting/working-data.js'
import { deviceForMac } from '../../core/services/devices.js'
import { addSite } from '../../core/services/sites.js'
import { testContext } from '../helpers/app.js'
import { dbKinds } from '../helpers/databases.js'

const HOUR = 3_600_000

for (const kind of dbKinds()) {
  t.test(`purging working data on ${kind}`, async (t) => {
    const { ctx } = await testContext(t, kind)
    const prisma = ctx.db.prisma
    const now = new Date()
    const ago = (ms: number) => new Date(now.getTime() - ms)
    const site = await addSite(prisma, { name: 'Quảng trường' }, 'test')
    const device = await deviceForMac(prisma, 'AA-BB-CC-DD-EE-01')

    const otp = (createdAt: Date) =>
      prisma.otpChallenge.create({ data: { siteId: site.id, phoneHash: 'h', codeHash: 'c', createdAt, lastSentAt: createdAt, expiresAt: new Date(createdAt.getTime() + 300_000) } })
    const oldOtp = await otp(ago(KEEP_MS.otpChallenges + HOUR))
    const newOtp = await otp(ago(KEEP_MS.otpChallenges - HOUR))

    await prisma.smsLimitCounter.createMany({
      data: [
        { key: 'phone:h/86400', windowStart: ago(KEEP_MS.smsCounters + HOUR), count: 3 },
        { key: 'phone:h/86400', windowStart: ago(KEEP_MS.smsCounters - HOUR), count: 1 },
      ],
    })

    let n = 0
    const credential = (expiresAt: Date) =>
      prisma.credential.create({ data: { username: `cw-test-${n++}`, passwordEnc: 'x', method: 'click_through', deviceId: device.id, siteId: site.id, expiresAt } })
    const oldCredential = await credential(ago(KEEP_MS.credentials + HOUR))
    const newCredential = await credential(ago(KEEP_MS.credentials - HOUR))

    const hour = (ms: number) => new Date(Math.floor((now.getTime() - ms) / HOUR) * HOUR)
    const piece = (h: Date) => ({ sessionId: 1n, hour: h, siteId: site.id, deviceId: device.id, startAt: h, endAt: h, started: true, ended: false, seconds: 0 })
    await prisma.statsPiece.createMany({ data: [piece(hour(KEEP_MS.hourlyDevices + 2 * HOUR)), piece(hour(0))] })
    const deviceHour = (h: Date) => ({ scope: site.id, hour: h, deviceId: device.id, parts: 1 })
    await prisma.statsHourDevice.createMany({ data: [deviceHour(hour(KEEP_MS.hourlyDevices + 2 * HOUR)), deviceHour(hour(0))] })

    // addSite wrote change-log entries already; one old, then the newest also old.
    await prisma.configChange.updateMany({ data: { at: ago(KEEP_MS.changes + HOUR) } })
    const changesBefore = await prisma.configChange.count()
    t.ok(changesBefore >= 1)

    const purged = await purgeWorkingData(prisma, now)
    t.same(purged, { otpChallenges: 1, smsCounters: 1, credentials: 1, hourlyDevices: 1, changes: changesBefore - 1 })
    t.same((await prisma.otpChallenge.findMany()).map((r) => r.id), [newOtp.id], 'the young challenge stays')
    t.notOk(await prisma.otpChallenge.findUnique({ where: { id: oldOtp.id } }))
    t.same((await prisma.credential.findMany()).map((r) => r.id), [newCredential.id], 'the credential expired less than a day ago stays')
    t.notOk(await prisma.credential.findUnique({ where: { id: oldCredential.id } }))
    t.same((await prisma.statsPiece.findMany()).map((r) => r.hour.getTime()), [hour(0).getTime()], "this hour's session parts stay")
    t.same((await prisma.statsHourDevice.findMany()).map((r) => r.hour.getTime()), [hour(0).getTime()], "this hour's device counts stay, older ones go")
    t.equal(await prisma.configChange.count(), 1, 'the newest change-log entry stays, however old')
    t.equal(await prisma.smsLimitCounter.count(), 1, "the SMS counter of a window still looked back on stays")
    t.same(await prisma.device.count(), 1, 'devices are not working data')

    t.same(await purgeWorkingData(prisma, now), { otpChallenges: 0, smsCounters: 0, credentials: 0, hourlyDevices: 0, changes: 0 }, 'a second run finds nothing')
  })
}
