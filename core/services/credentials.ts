// One-time RADIUS credentials: after a person accepts the terms (or passes
// OTP), the portal issues one and makes the browser log in at the NAS with it;
// RADIUS accepts it once, from that device, at that site's NAS.
import { randomBytes } from 'node:crypto'
import type { Credential, LoginMethod, Prisma, PrismaClient } from '../db/generated/client.js'
import type { SecretBox } from '../secret-box.js'

type Tx = PrismaClient | Prisma.TransactionClient

/** Long enough for a phone on a weak link to follow the redirect to the NAS. */
export const CREDENTIAL_TTL_SECONDS = 300
/** A repeated login (double tap, CNA reopened) within this time after the first is still accepted. */
export const CREDENTIAL_REUSE_SECONDS = 60

export const CREDENTIAL_PREFIX = 'cw-'

export interface IssuedCredential {
  id: number
  username: string
  password: string
  expiresAt: Date
}

export interface NewCredential {
  deviceId: number
  siteId: number
  nasId?: number | null
  consentId?: number | null
  voucherId?: number | null
  method: LoginMethod
  ttlSeconds?: number
}

export async function issueCredential(db: Tx, secrets: SecretBox, input: NewCredential): Promise<IssuedCredential> {
  const username = CREDENTIAL_PREFIX + randomBytes(9).toString('base64url').toLowerCase().replace(/[^a-z0-9]/g, 'x')
  // CHAP and PAP both carry it; 16 characters stay within every NAS's limits.
  const password = randomBytes(12).toString('base64url')
  const expiresAt = new Date(Date.now() + (input.ttlSeconds ?? CREDENTIAL_TTL_SECONDS) * 1000)
  const row = await db.credential.create({
    data: {
      username,
      passwordEnc: secrets.encrypt(password),
      method: input.method,
      deviceId: input.deviceId,
      siteId: input.siteId,
      nasId: input.nasId ?? null,
      consentId: input.consentId ?? null,
      voucherId: input.voucherId ?? null,
      expiresAt,
    },
  })
  return { id: row.id, username, password, expiresAt }
}

export function isCredentialUsername(username: string): boolean {
  return username.startsWith(CREDENTIAL_PREFIX)
}

export type CredentialWithDevice = Credential & { device: { mac: string } }

export function findCredential(db: Tx, username: string): Promise<CredentialWithDevice | null> {
  return db.credential.findUnique({ where: { username }, include: { device: { select: { mac: true } } } })
}
