// Personal records on both sides of the retention cut-offs, written with
// Prisma as the services would have left them.
import type { AppContext } from '../../core/context.js'
import { phoneHash } from '../../core/services/otp.js'
import { currentTerms } from '../../core/services/terms.js'

export const DAY = 86_400_000
export const ago = (days: number, now = Date.now()) => new Date(now - days * DAY)

export interface Seeded {
  siteId: number
  nasId: number
  /** MACs: one gone for a long time, one seen lately, one online since long ago. */
  oldMac: string
  newMac: string
  onlineMac: string
  phone: string
}

let nasCounter = 0

export async function seedPeople(ctx: AppContext): Promise<Seeded> {
  const prisma = ctx.db.prisma
  const site = await prisma.site.create({ data: { name: `Phường ${++nasCounter}` } })
  const nas = await prisma.accessPoint.create({ data: { siteId: site.id, name: `ap-${nasCounter}`, address: `10.9.${nasCounter}.1`, secretEnc: 'x' } })
  const terms = await currentTerms(prisma)
  const phone = '+84912345678'
  const hash = phoneHash(ctx.secrets, phone)
  const user = await prisma.adminUser.create({ data: { username: `staff${nasCounter}`, passwordHash: 'x', role: 'admin' } })

  const device = async (mac: string, lastSeenDays: number) => prisma.device.create({ data: { mac, firstSeenAt: ago(lastSeenDays + 1), lastSeenAt: ago(lastSeenDays) } })
  const oldDev = await device('AA-00-00-00-00-01', 400)
  const newDev = await device('AA-00-00-00-00-02', 3)
  const onlineDev = await device('AA-00-00-00-00-03', 400)

  let seq = 0
  const session = (deviceId: number, startedDays: number, stoppedDays: number | null, username: string) =>
    prisma.session.create({
      data: {
        nasId: nas.id,
        siteId: site.id,
        acctSessionId: `s-${++seq}`,
        username,
        deviceId,
        framedIp: '10.1.0.9',
        startedAt: ago(startedDays),
        updatedAt: ago(stoppedDays ?? 0),
        stoppedAt: stoppedDays === null ? null : ago(stoppedDays),
        sessionSeconds: 600,
        inputOctets: 1000n,
        outputOctets: 9000n,
      },
    })
  const oldSession = await session(oldDev.id, 401, 400, 'AA-00-00-00-00-01')
  await session(newDev.id, 400, 300, 'AA-00-00-00-00-02') // ended 300 days ago: within 365
  await session(newDev.id, 4, 3, 'AA-00-00-00-00-02')
  await session(onlineDev.id, 400, null, 'aa0000000003') // open for 400 days (a NAS that never sent Stop)
  await prisma.coaRequest.create({ data: { kind: 'disconnect', nasId: nas.id, sessionId: oldSession.id, state: 'acked', createdAt: ago(400) } })

  const consent = (deviceId: number, expiresDays: number, withPhone: boolean) =>
    prisma.consent.create({ data: { deviceId, siteId: site.id, termsId: terms.id, method: withPhone ? 'otp' : 'click_through', phoneHash: withPhone ? hash : null, acceptedAt: ago(expiresDays + 30), expiresAt: ago(expiresDays) } })
  await consent(newDev.id, 370, false) // expired over a year ago
  await consent(newDev.id, 5, true) // expired lately, verified with the phone

  await prisma.deviceUsageDaily.create({ data: { deviceId: newDev.id, day: ago(400), seconds: 60, octets: 1n } })
  await prisma.deviceUsageDaily.create({ data: { deviceId: newDev.id, day: ago(3), seconds: 60, octets: 1n } })

  await prisma.otpChallenge.create({ data: { siteId: site.id, phoneHash: hash, mac: 'AA-00-00-00-00-02', codeHash: 'x', createdAt: ago(40), lastSentAt: ago(40), expiresAt: ago(40) } })
  await prisma.otpChallenge.create({ data: { siteId: site.id, phoneHash: hash, mac: 'AA-00-00-00-00-02', codeHash: 'x', createdAt: ago(1), lastSentAt: ago(1), expiresAt: ago(1) } })
  await prisma.credential.create({ data: { username: `c-old-${nasCounter}`, passwordEnc: 'x', method: 'otp', deviceId: newDev.id, siteId: site.id, createdAt: ago(41), expiresAt: ago(40) } })
  await prisma.credential.create({ data: { username: `c-new-${nasCounter}`, passwordEnc: 'x', method: 'otp', deviceId: newDev.id, siteId: site.id, createdAt: ago(2), expiresAt: ago(1) } })
  await prisma.adminSession.create({ data: { id: `old-${nasCounter}`, userId: user.id, createdAt: ago(41), lastSeenAt: ago(41), expiresAt: ago(40) } })
  await prisma.adminLoginFailure.create({ data: { username: 'x', ip: '10.0.0.1', at: ago(40) } })
  await prisma.auditEvent.create({ data: { actor: 'cli:test', action: 'site.create', at: ago(800) } })

  // An aggregate from long ago: statistics are never purged.
  await prisma.statsHourly.create({ data: { scope: site.id, hour: ago(800), sessions: 5 } })

  return { siteId: site.id, nasId: nas.id, oldMac: oldDev.mac, newMac: newDev.mac, onlineMac: onlineDev.mac, phone }
}
