// Time and data a device has left at a site, for the portal's status page and
// the RFC 8908 API: the same limits RADIUS applies (auth/steps.ts remaining),
// with the open session's own use taken off the per-session limits.
import { localDay, localMonthStart } from '../auth/periods.js'
import { effectivePolicy } from '../auth/policy.js'
import { remaining } from '../auth/steps.js'
import type { PrismaClient } from '../db/generated/client.js'

export interface Allowance {
  /** null: no limit. */
  secondsLeft: number | null
  bytesLeft: bigint | null
  sessionOpen: boolean
  session?: { startedAt: Date; seconds: number; octets: bigint }
}

export async function allowanceFor(
  db: PrismaClient,
  input: { deviceId: number; siteId: number; now?: Date },
  timeZone = 'Asia/Ho_Chi_Minh',
): Promise<Allowance> {
  const now = input.now ?? new Date()
  const day = localDay(now, timeZone)
  const month = localMonthStart(now, timeZone)
  const [site, session, usage] = await Promise.all([
    db.site.findUnique({ where: { id: input.siteId }, select: { policy: true } }),
    db.session.findFirst({ where: { deviceId: input.deviceId, siteId: input.siteId, stoppedAt: null }, orderBy: { startedAt: 'desc' } }),
    db.deviceUsageDaily.findMany({ where: { deviceId: input.deviceId, day: { gte: month } } }),
  ])
  const policy = effectivePolicy(site?.policy)
  const voucher = session?.voucherId ? await db.voucher.findUnique({ where: { id: session.voucherId }, select: { minutes: true, usedSeconds: true } }) : null
  const used = { daySeconds: 0, dayOctets: 0n, monthSeconds: 0, monthOctets: 0n }
  for (const u of usage) {
    used.monthSeconds += u.seconds
    used.monthOctets += u.octets
    if (u.day.getTime() === day.getTime()) {
      used.daySeconds += u.seconds
      used.dayOctets += u.octets
    }
  }
  // The open session's time: what the NAS last reported, or the clock since it started if later.
  const seconds = session ? Math.max(session.sessionSeconds, Math.floor((now.getTime() - session.startedAt.getTime()) / 1000)) : 0
  const octets = session ? session.inputOctets + session.outputOctets : 0n
  const left = remaining(
    {
      ...policy,
      sessionSeconds: session ? Math.max(0, policy.sessionSeconds - seconds) : policy.sessionSeconds,
      sessionBytes: policy.sessionBytes === null ? null : policy.sessionBytes - octets,
    },
    used,
    voucher,
  )
  const clamp = (b: bigint) => (b < 0n ? 0n : b)
  return {
    secondsLeft: Math.max(0, left.seconds),
    bytesLeft: left.octets === null ? null : clamp(left.octets),
    sessionOpen: session !== null,
    session: session ? { startedAt: session.startedAt, seconds, octets } : undefined,
  }
}
