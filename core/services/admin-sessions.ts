// Staff sign-in for the admin app: sessions kept in the database (so several
// admin copies on one PostgreSQL share them), idle and absolute expiry, and
// a temporary lockout per account and per client address after failed
// passwords, counted in the database as well.
import { createHash, randomBytes } from 'node:crypto'
import type { AdminUser, PrismaClient, Role } from '../db/generated/client.js'
import { auditEvent } from './audit.js'
import { hashPassword, verifyPassword } from './staff.js'

export const SESSION_IDLE_MINUTES = 30
export const SESSION_ABSOLUTE_HOURS = 12
/** Failed logins within LOCKOUT_WINDOW_MINUTES that lock an account, and an address. */
export const LOCKOUT_ACCOUNT_FAILURES = 5
export const LOCKOUT_ADDRESS_FAILURES = 20
export const LOCKOUT_WINDOW_MINUTES = 15
/** lastSeenAt is written at most this often per session. */
const TOUCH_EVERY_MS = 60_000

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex')

// Checked against when the user name is unknown, so that an unknown name and
// a wrong password take the same time.
let dummyHash: Promise<string> | undefined
const dummy = () => (dummyHash ??= hashPassword(randomBytes(16).toString('hex')))

export interface StaffIdentity {
  userId: number
  username: string
  role: Role
  /** The session's id (the hash of the cookie's token). */
  sessionId: string
}

export type LoginResult =
  | { ok: true; token: string; user: AdminUser; expiresAt: Date }
  | { ok: false; reason: 'invalid' | 'locked'; retryAfterSeconds?: number }

/** Seconds until this account or address may try again, or 0. */
async function lockedFor(prisma: PrismaClient, username: string, ip: string, now: Date): Promise<number> {
  const since = new Date(now.getTime() - LOCKOUT_WINDOW_MINUTES * 60_000)
  const [byUser, byIp] = await Promise.all([
    prisma.adminLoginFailure.findMany({ where: { username, at: { gte: since } }, orderBy: { at: 'desc' }, take: LOCKOUT_ACCOUNT_FAILURES, select: { at: true } }),
    prisma.adminLoginFailure.findMany({ where: { ip, at: { gte: since } }, orderBy: { at: 'desc' }, take: LOCKOUT_ADDRESS_FAILURES, select: { at: true } }),
  ])
  const until = (rows: { at: Date }[], limit: number) => (rows.length >= limit ? rows[limit - 1]!.at.getTime() + LOCKOUT_WINDOW_MINUTES * 60_000 : 0)
  const end = Math.max(until(byUser, LOCKOUT_ACCOUNT_FAILURES), until(byIp, LOCKOUT_ADDRESS_FAILURES))
  return end > now.getTime() ? Math.ceil((end - now.getTime()) / 1000) : 0
}

/**
 * Checks a user name and password. An unknown name, a disabled account and a
 * wrong password are the same "invalid" to the caller; the audit log says which.
 */
export async function login(prisma: PrismaClient, input: { username: string; password: string; ip: string; userAgent?: string }): Promise<LoginResult> {
  const now = new Date()
  const username = input.username.trim().slice(0, 64)
  const locked = await lockedFor(prisma, username, input.ip, now)
  if (locked) {
    await auditEvent(prisma, { name: `login:${username}`, ip: input.ip }, 'login.locked', undefined, { username })
    return { ok: false, reason: 'locked', retryAfterSeconds: locked }
  }
  const user = await prisma.adminUser.findUnique({ where: { username } })
  const good = user ? await verifyPassword(user.passwordHash, input.password) : await verifyPassword(await dummy(), input.password).then(() => false)
  if (!user || !good || user.disabledAt) {
    await prisma.adminLoginFailure.create({ data: { username, ip: input.ip } })
    const why = !user ? 'unknown user' : !good ? 'wrong password' : 'account disabled'
    await auditEvent(prisma, { name: `login:${username}`, ip: input.ip }, 'login.failed', user ? `admin-user:${user.id}` : undefined, { username, why })
    return { ok: false, reason: 'invalid' }
  }
  const token = randomBytes(32).toString('base64url')
  const expiresAt = new Date(now.getTime() + SESSION_ABSOLUTE_HOURS * 3600_000)
  await prisma.$transaction(async (tx) => {
    await tx.adminSession.create({ data: { id: sha256(token), userId: user.id, expiresAt, ip: input.ip, userAgent: input.userAgent?.slice(0, 200) ?? null } })
    await tx.adminUser.update({ where: { id: user.id }, data: { lastLoginAt: now } })
    // A good password clears this account's failures (not the address's).
    await tx.adminLoginFailure.deleteMany({ where: { username } })
    await auditEvent(tx, { name: `staff:${user.username}`, ip: input.ip }, 'login', `admin-user:${user.id}`, {})
  })
  return { ok: true, token, user, expiresAt }
}

/** The staff member a cookie's token signs in, or null when it is unknown, idle too long, past its end, or the account is disabled. */
export async function sessionFromToken(prisma: PrismaClient, token: string): Promise<StaffIdentity | null> {
  if (!token || token.length > 100) return null
  const id = sha256(token)
  const s = await prisma.adminSession.findUnique({ where: { id }, include: { user: true } })
  if (!s) return null
  const now = Date.now()
  if (s.expiresAt.getTime() <= now || now - s.lastSeenAt.getTime() > SESSION_IDLE_MINUTES * 60_000 || s.user.disabledAt) {
    await prisma.adminSession.deleteMany({ where: { id } })
    return null
  }
  if (now - s.lastSeenAt.getTime() > TOUCH_EVERY_MS) await prisma.adminSession.update({ where: { id }, data: { lastSeenAt: new Date(now) } })
  return { userId: s.userId, username: s.user.username, role: s.user.role, sessionId: id }
}

export async function logout(prisma: PrismaClient, identity: StaffIdentity, ip: string): Promise<void> {
  await prisma.adminSession.deleteMany({ where: { id: identity.sessionId } })
  await auditEvent(prisma, { name: `staff:${identity.username}`, ip }, 'logout', `admin-user:${identity.userId}`, {})
}

/** Ended sessions and old login failures: deleted by the admin service now and then. */
export async function purgeAdminSessions(prisma: PrismaClient, now = new Date()): Promise<number> {
  const idle = new Date(now.getTime() - SESSION_IDLE_MINUTES * 60_000)
  const a = await prisma.adminSession.deleteMany({ where: { OR: [{ expiresAt: { lte: now } }, { lastSeenAt: { lt: idle } }] } })
  const b = await prisma.adminLoginFailure.deleteMany({ where: { at: { lt: new Date(now.getTime() - 86_400_000) } } })
  return a.count + b.count
}
