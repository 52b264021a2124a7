// Phone verification for the portal (Directive 66/CT-BTTTT mode): a 6-digit
// code sent by SMS, valid 5 minutes, 5 wrong tries, a resend after 60 s, and
// limits per phone, device and site so that nobody turns the portal into an
// SMS cannon. Neither the number nor the code is stored: only keyed hashes.
// The challenge is found again by the device's MAC, so a captive browser
// that closed and reopened continues where it was.
import { randomInt } from 'node:crypto'
import { parsePhoneNumberFromString } from 'libphonenumber-js/max'
import type { OtpChallenge, PrismaClient } from '../db/generated/client.js'
import type { SecretBox } from '../secret-box.js'
import { addressKey, spendSmsBudgets, type SmsBudget, type SmsLimitName } from './sms-limits.js'

export const OTP_DIGITS = 6
export const OTP_TTL_SECONDS = 300
export const OTP_MAX_ATTEMPTS = 5
export const OTP_RESEND_AFTER_SECONDS = 60

export interface OtpLimits {
  /** Codes sent to one number in 15 minutes, and in a day. */
  phonePer15Min: number
  phonePerDay: number
  /** Codes asked for by one device (MAC) in an hour. */
  macPerHour: number
  /** Codes asked for from one client address (IPv6: its /64) in 15 minutes; a NAT'd site shares one. */
  ipPer15Min?: number
  /** Codes sent for one site, through one NAS, and by the whole installation in an hour: cap the SMS bill. */
  sitePerHour: number
  nasPerHour?: number
  installationPerHour?: number
  /** Codes typed (checked) from one client address (IPv6: its /64) in 15 minutes, whatever the challenge. */
  ipChecksPer15Min?: number
}

export const DEFAULT_OTP_LIMITS: Required<OtpLimits> = {
  phonePer15Min: 3,
  phonePerDay: 10,
  macPerHour: 5,
  ipPer15Min: 30,
  sitePerHour: 300,
  nasPerHour: 200,
  installationPerHour: 2000,
  ipChecksPer15Min: 150,
}

export type OtpLimitReason = SmsLimitName

/**
 * A Vietnamese mobile number in E.164 (+84…), from what a person typed
 * ("0912 345 678", "+84 91 234 5678", "84912345678"), or undefined.
 * Landlines cannot receive the SMS and are refused.
 */
export function vietnameseMobile(input: string): string | undefined {
  const text = input.trim()
  if (!/^[+(\d][\d\s.()-]{6,20}$/.test(text)) return undefined
  const parsed = parsePhoneNumberFromString(text, 'VN')
  if (!parsed || parsed.country !== 'VN' || !parsed.isValid()) return undefined
  const type = parsed.getType()
  if (type !== 'MOBILE' && type !== 'FIXED_LINE_OR_MOBILE') return undefined
  return parsed.number
}

export function phoneHash(secrets: SecretBox, e164: string): string {
  return secrets.hash('phone', e164)
}

// The code's hash is bound to its challenge's phone, so a dump of hashes is
// no table of codes, and a code is only good for the number it was sent to.
function codeHash(secrets: SecretBox, phone: string, code: string): string {
  return secrets.hash('otp', `${phone}:${code}`)
}

function newCode(): string {
  return String(randomInt(0, 10 ** OTP_DIGITS)).padStart(OTP_DIGITS, '0')
}

export type StartResult =
  | { kind: 'sent'; challenge: OtpChallenge; code: string }
  | { kind: 'limited'; reason: OtpLimitReason; retryAfterSeconds: number }

/** Where a send comes from: the budgets it is counted against besides the number's. */
export interface SendOrigin {
  siteId: number
  mac: string
  ip?: string
  nasId?: number
}

function budgetsFor(phone: string, origin: SendOrigin, given: OtpLimits): SmsBudget[] {
  const limits = { ...DEFAULT_OTP_LIMITS, ...given }
  const list: SmsBudget[] = [
    { limit: 'phone', key: `phone:${phone}`, max: limits.phonePer15Min, windowSeconds: 15 * 60 },
    { limit: 'phone', key: `phone:${phone}`, max: limits.phonePerDay, windowSeconds: 86_400 },
    { limit: 'mac', key: `mac:${origin.mac}`, max: limits.macPerHour, windowSeconds: 3600 },
    { limit: 'site', key: `site:${origin.siteId}`, max: limits.sitePerHour, windowSeconds: 3600 },
    { limit: 'installation', key: 'installation', max: limits.installationPerHour, windowSeconds: 3600 },
  ]
  if (origin.ip) list.push({ limit: 'ip', key: `ip:${addressKey(origin.ip)}`, max: limits.ipPer15Min, windowSeconds: 15 * 60 })
  if (origin.nasId !== undefined) list.push({ limit: 'nas', key: `nas:${origin.nasId}`, max: limits.nasPerHour, windowSeconds: 3600 })
  return list
}

async function spend(db: PrismaClient, phone: string, origin: SendOrigin, limits: OtpLimits, now: Date) {
  const spent = await spendSmsBudgets(db, budgetsFor(phone, origin, limits), now)
  return spent.ok ? undefined : { kind: 'limited' as const, reason: spent.limit, retryAfterSeconds: spent.retryAfterSeconds }
}

/**
 * Counts one code check from a client address, in the database like the
 * send budgets, so that every copy of the portal shares it (a guesser
 * spreading its tries over copies gets no more). Seconds to wait, 0 when
 * the check may go ahead. A fixed 15-minute window: across a window's edge
 * up to twice the limit can pass in a short time.
 */
export async function countOtpCheck(db: PrismaClient, ip: string, limits: OtpLimits = DEFAULT_OTP_LIMITS, now = new Date()): Promise<number> {
  const max = limits.ipChecksPer15Min ?? DEFAULT_OTP_LIMITS.ipChecksPer15Min
  const spent = await spendSmsBudgets(db, [{ limit: 'ip', key: `otp-check:${addressKey(ip)}`, max, windowSeconds: 15 * 60 }], now)
  return spent.ok ? 0 : spent.retryAfterSeconds
}

/**
 * Starts a verification: a new code for this phone and device. An older
 * open challenge of the same device and site is closed (its code stops
 * working), so only the newest code counts.
 */
export async function startOtp(
  db: PrismaClient,
  secrets: SecretBox,
  input: { siteId: number; phoneE164: string; mac: string; ip?: string; nasId?: number; limits?: OtpLimits; now?: Date },
): Promise<StartResult> {
  const now = input.now ?? new Date()
  const phone = phoneHash(secrets, input.phoneE164)
  const limited = await spend(db, phone, input, input.limits ?? DEFAULT_OTP_LIMITS, now)
  if (limited) return limited
  const code = newCode()
  const challenge = await db.$transaction(async (tx) => {
    await tx.otpChallenge.updateMany({
      where: { siteId: input.siteId, mac: input.mac, verifiedAt: null, expiresAt: { gt: now } },
      data: { expiresAt: now },
    })
    return tx.otpChallenge.create({
      data: {
        siteId: input.siteId,
        phoneHash: phone,
        mac: input.mac,
        codeHash: codeHash(secrets, phone, code),
        createdAt: now,
        lastSentAt: now,
        expiresAt: new Date(now.getTime() + OTP_TTL_SECONDS * 1000),
      },
    })
  })
  return { kind: 'sent', challenge, code }
}

/** The device's challenge in progress at a site (not verified, not expired, tries left). */
export function pendingOtp(db: PrismaClient, input: { siteId: number; mac: string; now?: Date }): Promise<OtpChallenge | null> {
  return db.otpChallenge.findFirst({
    where: { siteId: input.siteId, mac: input.mac, verifiedAt: null, expiresAt: { gt: input.now ?? new Date() }, attempts: { lt: OTP_MAX_ATTEMPTS } },
    orderBy: { createdAt: 'desc' },
  })
}

export type ResendResult =
  | { kind: 'sent'; challenge: OtpChallenge; code: string }
  | { kind: 'too-soon'; waitSeconds: number }
  | { kind: 'limited'; reason: OtpLimitReason; retryAfterSeconds: number }
  | { kind: 'gone' }

/**
 * A new code for the same challenge (the person did not get the SMS). Only
 * after OTP_RESEND_AFTER_SECONDS; the tries start again with the new code.
 * The number itself is needed again because only its hash was kept.
 */
export async function resendOtp(
  db: PrismaClient,
  secrets: SecretBox,
  input: { challengeId: number; siteId: number; mac: string; phoneE164: string; ip?: string; nasId?: number; limits?: OtpLimits; now?: Date },
): Promise<ResendResult> {
  const now = input.now ?? new Date()
  const c = await db.otpChallenge.findUnique({ where: { id: input.challengeId } })
  if (!c || c.siteId !== input.siteId || c.mac !== input.mac || c.verifiedAt) return { kind: 'gone' }
  if (!secrets.hashEquals('phone', input.phoneE164, c.phoneHash)) return { kind: 'gone' }
  const wait = Math.ceil((c.lastSentAt.getTime() + OTP_RESEND_AFTER_SECONDS * 1000 - now.getTime()) / 1000)
  if (wait > 0) return { kind: 'too-soon', waitSeconds: wait }
  const limited = await spend(db, c.phoneHash, input, input.limits ?? DEFAULT_OTP_LIMITS, now)
  if (limited) return limited
  const code = newCode()
  // Conditional on lastSentAt: two resends at once send one code.
  const updated = await db.otpChallenge.updateMany({
    where: { id: c.id, lastSentAt: c.lastSentAt, verifiedAt: null },
    data: {
      codeHash: codeHash(secrets, c.phoneHash, code),
      attempts: 0,
      sentCount: { increment: 1 },
      lastSentAt: now,
      expiresAt: new Date(now.getTime() + OTP_TTL_SECONDS * 1000),
    },
  })
  if (updated.count === 0) return { kind: 'too-soon', waitSeconds: OTP_RESEND_AFTER_SECONDS }
  const challenge = await db.otpChallenge.findUniqueOrThrow({ where: { id: c.id } })
  return { kind: 'sent', challenge, code }
}

export type VerifyResult =
  | { kind: 'verified'; challenge: OtpChallenge }
  | { kind: 'wrong'; attemptsLeft: number }
  | { kind: 'locked' }
  | { kind: 'expired' }
  | { kind: 'gone' }
  /** Verified before: a code logs in the device it was sent for, once. */
  | { kind: 'used' }

/**
 * Checks a typed code. Each wrong try counts; the fifth locks the challenge.
 * Only the one request that marks the challenge verified gets `verified`:
 * a replay, or a second request racing the first, gets `used`.
 */
export async function verifyOtp(
  db: PrismaClient,
  secrets: SecretBox,
  input: { challengeId: number; siteId: number; mac: string; code: string; now?: Date },
): Promise<VerifyResult> {
  const now = input.now ?? new Date()
  const c = await db.otpChallenge.findUnique({ where: { id: input.challengeId } })
  if (!c || c.siteId !== input.siteId || c.mac !== input.mac) return { kind: 'gone' }
  if (c.verifiedAt) return { kind: 'used' }
  if (c.attempts >= OTP_MAX_ATTEMPTS) return { kind: 'locked' }
  if (c.expiresAt <= now) return { kind: 'expired' }
  const typed = input.code.replace(/\s/g, '')
  const right = /^\d+$/.test(typed) && secrets.hashEquals('otp', `${c.phoneHash}:${typed}`, c.codeHash)
  if (right) {
    const done = await db.otpChallenge.updateMany({
      where: { id: c.id, verifiedAt: null, attempts: { lt: OTP_MAX_ATTEMPTS }, codeHash: c.codeHash },
      data: { verifiedAt: now },
    })
    const after = await db.otpChallenge.findUniqueOrThrow({ where: { id: c.id } })
    if (done.count === 1) return { kind: 'verified', challenge: after }
    if (after.verifiedAt) return { kind: 'used' }
    return after.attempts >= OTP_MAX_ATTEMPTS ? { kind: 'locked' } : { kind: 'gone' }
  }
  // Counted in the database, conditionally and atomically: parallel guesses
  // cannot exceed the limit, and each sees its own count.
  const counted = await db.$queryRaw<{ attempts: number }[]>`
    UPDATE "OtpChallenge" SET "attempts" = "attempts" + 1
    WHERE "id" = ${c.id} AND "verifiedAt" IS NULL AND "attempts" < ${OTP_MAX_ATTEMPTS}
    RETURNING "attempts"`
  if (counted.length === 0) return { kind: 'locked' }
  const left = OTP_MAX_ATTEMPTS - Number(counted[0]!.attempts)
  return left <= 0 ? { kind: 'locked' } : { kind: 'wrong', attemptsLeft: left }
}
