// Consent: a device accepted a version of the terms at a site, by one login
// method, until a date (the site policy's consentDays). The portal records it
// before it lets anyone log in; RADIUS lets a device with an unexpired consent
// in by MAC authentication.
//
// Everything here is idempotent on the form's request key: a double tap, a
// reload or a captive browser that resubmits never makes a second consent or
// a second one-time credential.
import type { Consent, LoginMethod, Prisma, PrismaClient } from '../db/generated/client.js'
import { InputError, isUniqueViolation } from '../errors.js'
import type { SecretBox } from '../secret-box.js'
import { CREDENTIAL_REUSE_SECONDS, issueCredential } from './credentials.js'
import { currentTerms } from './terms.js'

type Tx = PrismaClient | Prisma.TransactionClient

/** When a site has no policy. Policy.consentDays has the same default. */
export const DEFAULT_CONSENT_DAYS = 30

export interface NewConsent {
  deviceId: number
  siteId: number
  method: LoginMethod
  /** Keyed hash of the phone number (OTP logins only). */
  phoneHash?: string | null
  /** The form's one-time key: the same key finds the same consent. */
  requestKey: string
  now?: Date
}

export interface RecordedConsent {
  consent: Consent
  /** False when the request key had already recorded it (a repeated submit). */
  created: boolean
}

async function consentDaysFor(db: Tx, siteId: number): Promise<number> {
  const site = await db.site.findUnique({ where: { id: siteId }, select: { policy: { select: { consentDays: true } } } })
  if (!site) throw new InputError(`no site with id ${siteId}`, 'site')
  return site.policy?.consentDays ?? DEFAULT_CONSENT_DAYS
}

function sameRequest(found: Consent, input: NewConsent): Consent {
  // A key is random per form; a key that comes back for another device or
  // site is a forged or confused form, never a reason to hand out its consent.
  if (found.deviceId !== input.deviceId || found.siteId !== input.siteId || found.method !== input.method) {
    throw new InputError('this form was already used for another login', 'requestKey')
  }
  return found
}

/** Records a consent to the terms in force, or finds the one this request key recorded. */
export async function recordConsent(db: PrismaClient, input: NewConsent): Promise<RecordedConsent> {
  const existing = await db.consent.findUnique({ where: { requestKey: input.requestKey } })
  if (existing) return { consent: sameRequest(existing, input), created: false }
  const now = input.now ?? new Date()
  const terms = await currentTerms(db)
  const days = await consentDaysFor(db, input.siteId)
  try {
    const consent = await db.consent.create({
      data: {
        deviceId: input.deviceId,
        siteId: input.siteId,
        termsId: terms.id,
        method: input.method,
        phoneHash: input.phoneHash ?? null,
        acceptedAt: now,
        expiresAt: new Date(now.getTime() + days * 86_400_000),
        requestKey: input.requestKey,
      },
    })
    return { consent, created: true }
  } catch (err) {
    // Two submits of one form at the same moment: the other one won.
    if (!isUniqueViolation(err)) throw err
    const raced = await db.consent.findUnique({ where: { requestKey: input.requestKey } })
    if (!raced) throw err
    return { consent: sameRequest(raced, input), created: false }
  }
}

/**
 * The device's newest unexpired consent at a site to the terms now in force,
 * by one of the given methods: a returning device gets a one-tap page instead
 * of the whole splash.
 */
export async function activeConsent(
  db: Tx,
  input: { deviceId: number; siteId: number; methods: LoginMethod[]; now?: Date },
): Promise<Consent | null> {
  if (input.methods.length === 0) return null
  const terms = await currentTerms(db)
  return db.consent.findFirst({
    where: {
      deviceId: input.deviceId,
      siteId: input.siteId,
      termsId: terms.id,
      method: { in: input.methods },
      expiresAt: { gt: input.now ?? new Date() },
    },
    orderBy: { acceptedAt: 'desc' },
  })
}

export interface LoginCredential {
  username: string
  password: string
  expiresAt: Date
  /** False when an earlier submit's credential was handed out again. */
  created: boolean
}

// A credential this close to expiry is not handed out again: the browser
// still has to reach the NAS and the NAS still has to ask RADIUS.
const MIN_REMAINING_MS = 30_000

/**
 * The one-time RADIUS login for a consent at a NAS. A repeated submit gets the
 * same credential back while RADIUS would still accept it (unused, or used
 * within CREDENTIAL_REUSE_SECONDS), so two taps never make two credentials.
 */
export async function credentialForConsent(
  db: PrismaClient,
  secrets: SecretBox,
  input: { consent: Consent; nasId: number | null },
): Promise<LoginCredential> {
  const { consent } = input
  return db.$transaction(async (tx) => {
    // Serialises concurrent submits of the same consent.
    await tx.$queryRaw`SELECT id FROM "Consent" WHERE id = ${consent.id} FOR UPDATE`
    const now = Date.now()
    const candidates = await tx.credential.findMany({
      where: { consentId: consent.id, nasId: input.nasId, expiresAt: { gt: new Date(now + MIN_REMAINING_MS) } },
      orderBy: { createdAt: 'desc' },
      take: 1,
    })
    const reusable = candidates.find((c) => c.usedAt === null || now - c.usedAt.getTime() < CREDENTIAL_REUSE_SECONDS * 1000)
    if (reusable) {
      return { username: reusable.username, password: secrets.decrypt(reusable.passwordEnc), expiresAt: reusable.expiresAt, created: false }
    }
    const issued = await issueCredential(tx, secrets, {
      deviceId: consent.deviceId,
      siteId: consent.siteId,
      nasId: input.nasId,
      consentId: consent.id,
      method: consent.method,
    })
    return { username: issued.username, password: issued.password, expiresAt: issued.expiresAt, created: true }
  })
}

export interface DeviceStanding {
  /** The newest unexpired consent that lets the device back in with one tap. */
  consent: { id: number; expiresAt: Date } | null
  /** A phone verification in progress (not verified, not expired, tries left). */
  otp: { id: number; lastSentAt: Date } | null
}

const utc = (s: string | null | undefined) => (s ? new Date(/[Zz+]/.test(s.slice(19)) ? s : `${s}Z`) : null)

/**
 * Where a device stands at a site when its browser arrives, in one query
 * (the splash page is the portal's hot path): a consent to the terms in
 * force by one of `methods`, and, when `withOtp`, a verification in progress.
 */
export async function deviceStanding(
  db: Tx,
  input: { mac: string; siteId: number; termsId: number; methods: LoginMethod[]; withOtp: boolean; maxOtpAttempts: number; now?: Date },
): Promise<DeviceStanding> {
  const now = input.now ?? new Date()
  const rows = await db.$queryRaw<{ consent_id: number | null; consent_expires: string | null; otp_id: number | null; otp_sent: string | null }[]>`
    SELECT c.id AS consent_id, to_char(c."expiresAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS') AS consent_expires,
           o.id AS otp_id, to_char(o."lastSentAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS') AS otp_sent
    FROM (SELECT 1) AS one
    LEFT JOIN LATERAL (
      SELECT c.id, c."expiresAt" FROM "Consent" c JOIN "Device" d ON d.id = c."deviceId"
      WHERE d.mac = ${input.mac} AND c."siteId" = ${input.siteId} AND c."termsId" = ${input.termsId}
        AND c.method::text = ANY(${input.methods}::text[]) AND c."expiresAt" > ${now}
      ORDER BY c."acceptedAt" DESC LIMIT 1) c ON true
    LEFT JOIN LATERAL (
      SELECT o.id, o."lastSentAt" FROM "OtpChallenge" o
      WHERE ${input.withOtp} AND o."siteId" = ${input.siteId} AND o.mac = ${input.mac} AND o."verifiedAt" IS NULL
        AND o."expiresAt" > ${now} AND o.attempts < ${input.maxOtpAttempts}
      ORDER BY o."createdAt" DESC LIMIT 1) o ON true`
  const r = rows[0]
  return {
    consent: r?.consent_id != null ? { id: Number(r.consent_id), expiresAt: utc(r.consent_expires)! } : null,
    otp: r?.otp_id != null ? { id: Number(r.otp_id), lastSentAt: utc(r.otp_sent)! } : null,
  }
}
