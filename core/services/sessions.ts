// Sessions as staff see them: live ones and the history, filtered by site,
// access point and time; by a device's MAC or a phone number for admins.
// Every look-up returns personal data (MACs), so every one is audited here,
// for the pages and the API alike.
import type { LoginMethod, Prisma, PrismaClient, SessionCloseReason } from '../db/generated/client.js'
import { InputError, NotFoundError } from '../errors.js'
import { canonicalMac } from '../mac.js'
import type { SecretBox } from '../secret-box.js'
import { auditEvent, type Actor } from './audit.js'
import { phoneHash, vietnameseMobile } from './otp.js'

export interface SessionQuery {
  /** true: not yet stopped; false: stopped; undefined: both. */
  active?: boolean
  siteId?: number
  nasId?: number
  /** Started at or after / before. */
  from?: Date
  to?: Date
  /** A device's MAC in any spelling (admins). */
  mac?: string
  /** A phone number as typed (admins): found through the keyed hash of the consents it verified. */
  phone?: string
  /** Sessions with a smaller id (the previous page's nextCursor). */
  cursor?: bigint
  limit?: number
}

export interface SessionItem {
  id: bigint
  acctSessionId: string
  nas: { id: number; name: string }
  site: { id: number; name: string }
  startedAt: Date
  stoppedAt: Date | null
  updatedAt: Date
  inputOctets: bigint
  outputOctets: bigint
  sessionSeconds: number
  loginMethod: LoginMethod | null
  mac: string | null
  framedIp: string | null
  username: string
  authorized: boolean
  terminateCause: string | null
  closeReason: SessionCloseReason | null
}

/** A phone number kept in the audit log without being written there in full. */
export function maskedPhone(e164: string): string {
  return e164.length > 7 ? `${e164.slice(0, 5)}${'•'.repeat(e164.length - 8)}${e164.slice(-3)}` : '•••'
}

/**
 * Finds sessions, newest first, and records the look-up in the audit log
 * (who, which filters, how many rows; a phone number only masked).
 */
export async function findSessions(prisma: PrismaClient, secrets: SecretBox, q: SessionQuery, actor: Actor): Promise<{ items: SessionItem[]; nextCursor: bigint | null }> {
  const limit = Math.min(Math.max(q.limit ?? 50, 1), 500)
  const where: Prisma.SessionWhereInput = {}
  const audit: Record<string, string | number | boolean> = {}
  if (q.active !== undefined) {
    where.stoppedAt = q.active ? null : { not: null }
    audit.active = q.active
  }
  if (q.siteId !== undefined) where.siteId = audit.siteId = q.siteId
  if (q.nasId !== undefined) where.nasId = audit.nasId = q.nasId
  if (q.from || q.to) {
    where.startedAt = { ...(q.from ? { gte: q.from } : {}), ...(q.to ? { lt: q.to } : {}) }
    if (q.from) audit.from = q.from.toISOString()
    if (q.to) audit.to = q.to.toISOString()
  }
  if (q.mac !== undefined) {
    const mac = canonicalMac(q.mac)
    if (!mac) throw new InputError(`"${q.mac}" is not a MAC address`, 'mac', 'session.mac')
    where.device = { mac }
    audit.mac = mac
  }
  if (q.phone !== undefined) {
    const e164 = vietnameseMobile(q.phone)
    if (!e164) throw new InputError(`"${q.phone}" is not a Vietnamese mobile number`, 'phone', 'session.phone')
    // Devices that verified this number at some consent; their sessions.
    where.device = { ...((where.device as object) ?? {}), consents: { some: { phoneHash: phoneHash(secrets, e164) } } }
    audit.phone = maskedPhone(e164)
  }
  if (q.cursor !== undefined) where.id = { lt: q.cursor }
  const rows = await prisma.session.findMany({
    where,
    orderBy: { id: 'desc' },
    take: limit + 1,
    include: { nas: { select: { id: true, name: true } }, site: { select: { id: true, name: true } }, device: { select: { mac: true } } },
  })
  const more = rows.length > limit
  const page = more ? rows.slice(0, limit) : rows
  const lookup = q.mac !== undefined || q.phone !== undefined
  await auditEvent(prisma, actor, lookup ? 'session.lookup' : 'session.list', undefined, { ...audit, rows: page.length })
  return {
    items: page.map((s) => ({
      id: s.id,
      acctSessionId: s.acctSessionId,
      nas: s.nas,
      site: s.site,
      startedAt: s.startedAt,
      stoppedAt: s.stoppedAt,
      updatedAt: s.updatedAt,
      inputOctets: s.inputOctets,
      outputOctets: s.outputOctets,
      sessionSeconds: s.sessionSeconds,
      loginMethod: s.method,
      mac: s.device?.mac ?? null,
      framedIp: s.framedIp,
      username: s.username,
      authorized: s.authorized,
      terminateCause: s.terminateCause,
      closeReason: s.closeReason,
    })),
    nextCursor: more ? page.at(-1)!.id : null,
  }
}

export async function sessionExists(prisma: PrismaClient, id: bigint): Promise<{ id: bigint; stoppedAt: Date | null }> {
  const s = await prisma.session.findUnique({ where: { id }, select: { id: true, stoppedAt: true } })
  if (!s) throw new NotFoundError(`no session ${id}`)
  return s
}

/** Open sessions now, in all and per site: aggregates only, for every role. */
export async function onlineNow(prisma: PrismaClient): Promise<{ total: number; bySite: { siteId: number; count: number }[] }> {
  const rows = await prisma.session.groupBy({ by: ['siteId'], where: { stoppedAt: null }, _count: { _all: true } })
  const bySite = rows.map((r) => ({ siteId: r.siteId, count: r._count._all }))
  return { total: bySite.reduce((n, r) => n + r.count, 0), bySite }
}
