// Rows that only serve a short while and would otherwise pile up forever:
// spent OTP challenges (phone hashes), SMS send counters of past windows, expired one-time RADIUS credentials,
// the statistics' per-hour session parts and device counts (core/stats/fold.ts), and the change
// log the RADIUS caches follow. Sessions, consents and statistics are not
// touched here: how long those are kept is the operator's decision
// (docs/data.md).
import type { PrismaClient } from '../db/generated/client.js'
import { hourOf } from '../stats/calendar.js'
import { PIECE_KEEP_MS } from '../stats/fold.js'

const DAY_MS = 86_400_000

/**
 * How long each kind outlives its use. OTP challenges: the per-phone daily
 * send limit looks back one day. Credentials: an expired one is never used
 * again; a day is left to look into a failed login. Session parts: a late
 * Interim-Update (Acct-Delay-Time) may still change an hour already past;
 * the fold leaves hours older than this alone. Change log: the RADIUS processes read it every 2 s; a day
 * covers one that was stopped a while.
 */
export const KEEP_MS = {
  otpChallenges: 2 * DAY_MS,
  // The longest SMS budget window is a day.
  smsCounters: 2 * DAY_MS,
  credentials: DAY_MS,
  hourlyDevices: PIECE_KEEP_MS,
  changes: DAY_MS,
}

export interface Purged {
  otpChallenges: number
  smsCounters: number
  credentials: number
  hourlyDevices: number
  changes: number
}

/** Deletes working rows past their use; returns how many of each. */
export async function purgeWorkingData(prisma: PrismaClient, now: Date): Promise<Purged> {
  const before = (ms: number) => new Date(now.getTime() - ms)
  const [otp, sms, credentials, hourly, , changes] = await prisma.$transaction([
    prisma.otpChallenge.deleteMany({ where: { createdAt: { lt: before(KEEP_MS.otpChallenges) } } }),
    prisma.smsLimitCounter.deleteMany({ where: { windowStart: { lt: before(KEEP_MS.smsCounters) } } }),
    prisma.credential.deleteMany({ where: { expiresAt: { lt: before(KEEP_MS.credentials) } } }),
    // Whole hours only: the fold's horizon (foldHorizon) is always past them.
    prisma.statsPiece.deleteMany({ where: { hour: { lt: hourOf(before(KEEP_MS.hourlyDevices)) } } }),
    prisma.statsHourDevice.deleteMany({ where: { hour: { lt: hourOf(before(KEEP_MS.hourlyDevices)) } } }),
    // The newest entry stays whatever its age: a process starting reads where the log stands from it.
    prisma.$executeRaw`DELETE FROM "ConfigChange" WHERE "at" < ${before(KEEP_MS.changes)}::timestamp AND id < (SELECT max(id) FROM "ConfigChange")`,
  ])
  return { otpChallenges: otp.count, smsCounters: sms.count, credentials: credentials.count, hourlyDevices: hourly.count, changes }
}
