// Vouchers: printed codes that are both User-Name and User-Password at
// RADIUS. Issued in batches (all or nothing), listed with their state,
// revoked one by one or by batch (RADIUS refuses them at once and their open
// sessions are cut off), exported as CSV.
import type { PrismaClient, Voucher, VoucherBatch } from '../db/generated/client.js'
import { Prisma as P } from '../db/generated/client.js'
import { InputError, NotFoundError, Problems } from '../errors.js'
import { newVoucherCode as newCode, normalizeVoucherCode } from '../voucher-code.js'
import { auditEvent, type Actor } from './audit.js'
import { announceChanges, recordChange } from './changes.js'
import { requestSessionChange } from './coa.js'
import { siteByName } from './sites.js'

export const MAX_VOUCHERS_PER_BATCH = 100_000

export interface NewVouchers {
  /** The site by name (as `voucher create --site`), or siteId. */
  site?: string
  siteId?: number
  count: number
  minutes?: number | null
  validDays?: number
  maxDevices?: number
  note?: string | null
}

export interface IssuedVoucher {
  code: string
  minutes: number | null
  validUntil: string | null
}

// Rows per INSERT: well under PostgreSQL's 65,535 bind parameters.
const CHUNK = 2000

export async function createVouchers(
  prisma: PrismaClient,
  input: NewVouchers,
  actor: Actor,
  opts: { onProgress?: (done: number, total: number) => void } = {},
): Promise<{ batch: string; vouchers: IssuedVoucher[] }> {
  const p = new Problems()
  const { count } = input
  if (!Number.isInteger(count) || count < 1 || count > MAX_VOUCHERS_PER_BATCH) {
    p.add('count', `--count must be a whole number from 1 to ${MAX_VOUCHERS_PER_BATCH}`, 'voucher.count', { max: MAX_VOUCHERS_PER_BATCH })
  }
  const minutes = input.minutes ?? null
  if (minutes !== null && (!Number.isInteger(minutes) || minutes < 1 || minutes > 525_600)) {
    p.add('minutes', '--minutes must be a whole number of minutes from 1 to 525600 (a year)', 'voucher.minutes')
  }
  const validDays = input.validDays ?? 30
  if (!Number.isInteger(validDays) || validDays < 1 || validDays > 3650) p.add('validDays', '--valid-days must be from 1 to 3650', 'voucher.validDays')
  const maxDevices = input.maxDevices ?? 1
  if (!Number.isInteger(maxDevices) || maxDevices < 1 || maxDevices > 100) p.add('maxDevices', '--devices must be from 1 to 100', 'voucher.devices')
  const note = input.note?.trim() || null
  if (note && note.length > 200) p.add('note', 'the note is longer than 200 characters', 'voucher.note')
  let site
  try {
    if (input.siteId !== undefined) {
      site = await prisma.site.findUnique({ where: { id: input.siteId } })
      if (!site) throw new InputError(`no site with id ${input.siteId}`, 'site', 'voucher.site')
    } else site = await siteByName(prisma, input.site ?? '')
    if (site.archivedAt) throw new InputError(`the site "${site.name}" is archived`, 'site', 'voucher.siteArchived')
  } catch (err) {
    if (!(err instanceof InputError)) throw err
    p.add('site', err.message, err.key === 'site.unknown' ? 'voucher.site' : err.key)
  }
  p.throwIfAny()
  site = site!
  const validUntil = new Date(Date.now() + validDays * 86_400_000)
  const stamp = new Date().toISOString().slice(0, 19).replace(/\D/g, '')
  const siteId = site.id
  // All or nothing: a batch is one transaction. Codes are random; the rare
  // duplicate is skipped by the unique index and replaced by a new one.
  const { batch, codes } = await prisma.$transaction(
    async (tx) => {
      // Two batches for one site in the same second get distinct names.
      const same = await tx.voucherBatch.count({ where: { id: { startsWith: `${stamp}-${siteId}` } } })
      const batch = same ? `${stamp}-${siteId}-${same + 1}` : `${stamp}-${siteId}`
      await tx.voucherBatch.create({ data: { id: batch, siteId, count, minutes, maxDevices, validUntil, note, createdBy: typeof actor === 'string' ? actor : actor.name } })
      const issued: string[] = []
      while (issued.length < count) {
        const want = Math.min(CHUNK, count - issued.length)
        const candidates = [...new Set(Array.from({ length: want }, newCode))]
        const rows = await tx.voucher.createManyAndReturn({
          data: candidates.map((code) => ({ code, siteId, batch, minutes, maxDevices, validUntil, createdBy: typeof actor === 'string' ? actor : actor.name })),
          skipDuplicates: true,
          select: { code: true },
        })
        issued.push(...rows.map((r) => r.code))
        opts.onProgress?.(issued.length, count)
      }
      await auditEvent(tx, actor, 'voucher.create', `site:${siteId}`, { batch, count, minutes, validDays, maxDevices, note })
      return { batch, codes: issued }
    },
    { timeout: 120_000, maxWait: 30_000 },
  )
  return { batch, vouchers: codes.map((code) => ({ code, minutes, validUntil: validUntil.toISOString() })) }
}


export const VOUCHER_STATES = ['unused', 'in_use', 'used_up', 'expired', 'revoked'] as const
export type VoucherState = (typeof VOUCHER_STATES)[number]

// One expression for the state, used to show it and to filter by it.
const STATE_SQL = P.sql`CASE
  WHEN v."revokedAt" IS NOT NULL THEN 'revoked'
  WHEN v.minutes IS NOT NULL AND v."usedSeconds" >= v.minutes * 60 THEN 'used_up'
  WHEN v."validUntil" IS NOT NULL AND v."validUntil" < now() AT TIME ZONE 'UTC' THEN 'expired'
  -- A first login takes a device place without marking the voucher (not on
  -- the login's commit, core/auth/store.ts); accounting marks it afterwards.
  WHEN v."firstUsedAt" IS NOT NULL OR EXISTS (SELECT 1 FROM "VoucherDevice" vd WHERE vd."voucherId" = v.id) THEN 'in_use'
  ELSE 'unused' END`

export interface VoucherRow {
  id: number
  code: string
  siteId: number | null
  siteName: string | null
  batch: string | null
  minutes: number | null
  maxDevices: number
  validUntil: Date | null
  firstUsedAt: Date | null
  usedSeconds: number
  revokedAt: Date | null
  createdAt: Date
  state: VoucherState
  /** Devices online with it now. */
  online: number
  devices: number
}

export interface VoucherQuery {
  siteId?: number
  batch?: string
  state?: VoucherState
  /** A code or its beginning, as typed (any case, with or without dashes). */
  code?: string
  /** Vouchers with a smaller id (the previous page's nextCursor). */
  cursor?: number
  limit?: number
}

export async function listVouchers(prisma: PrismaClient, q: VoucherQuery): Promise<{ items: VoucherRow[]; nextCursor: number | null }> {
  const limit = Math.min(Math.max(q.limit ?? 100, 1), 100_000)
  const conds: P.Sql[] = [P.sql`true`]
  if (q.siteId !== undefined) conds.push(P.sql`v."siteId" = ${q.siteId}`)
  if (q.batch) conds.push(P.sql`v.batch = ${q.batch}`)
  if (q.code) conds.push(P.sql`v.code LIKE ${normalizeVoucherCode(q.code).replace(/[%_\\]/g, '') + '%'}`)
  if (q.state) conds.push(P.sql`(${STATE_SQL}) = ${q.state}`)
  if (q.cursor) conds.push(P.sql`v.id < ${q.cursor}`)
  const rows = await prisma.$queryRaw<(Omit<VoucherRow, 'online' | 'devices'> & { online: number; devices: number })[]>`
    SELECT v.id, v.code, v."siteId", s.name AS "siteName", v.batch, v.minutes, v."maxDevices", v."validUntil", v."firstUsedAt",
      v."usedSeconds", v."revokedAt", v."createdAt", ${STATE_SQL} AS state,
      -- By voucher, never by the stoppedAt index (core/auth/store.ts says why).
      (SELECT count(*)::int FROM "Session" x WHERE x."voucherId" = v.id AND (x."stoppedAt" IS NULL) IS TRUE) AS online,
      (SELECT count(*)::int FROM "VoucherDevice" d WHERE d."voucherId" = v.id) AS devices
    FROM "Voucher" v LEFT JOIN "Site" s ON s.id = v."siteId"
    WHERE ${P.join(conds, ' AND ')}
    ORDER BY v.id DESC LIMIT ${limit + 1}`
  const more = rows.length > limit
  const items = more ? rows.slice(0, limit) : rows
  return { items, nextCursor: more ? items.at(-1)!.id : null }
}

export async function listBatches(prisma: PrismaClient, q: { siteId?: number; cursor?: string; limit?: number } = {}) {
  const limit = Math.min(Math.max(q.limit ?? 50, 1), 500)
  const rows = await prisma.voucherBatch.findMany({
    where: { siteId: q.siteId, ...(q.cursor ? { id: { lt: q.cursor } } : {}) },
    orderBy: { id: 'desc' },
    take: limit + 1,
  })
  const siteIds = [...new Set(rows.map((r) => r.siteId).filter((x): x is number => x !== null))]
  const sites = new Map((await prisma.site.findMany({ where: { id: { in: siteIds } }, select: { id: true, name: true } })).map((s) => [s.id, s.name]))
  const more = rows.length > limit
  const items = (more ? rows.slice(0, limit) : rows).map((b) => ({ ...b, siteName: b.siteId === null ? null : (sites.get(b.siteId) ?? null) }))
  return { items, nextCursor: more ? items.at(-1)!.id : null }
}

export async function getBatch(prisma: PrismaClient, id: string): Promise<VoucherBatch & { siteName: string | null; ssid: string | null }> {
  const b = await prisma.voucherBatch.findUnique({ where: { id } })
  if (!b) throw new NotFoundError(`no voucher batch "${id}"`)
  const site = b.siteId === null ? null : await prisma.site.findUnique({ where: { id: b.siteId }, select: { name: true, ssid: true } })
  return { ...b, siteName: site?.name ?? null, ssid: site?.ssid ?? null }
}

export async function getVoucher(prisma: PrismaClient, codeInput: string): Promise<Voucher> {
  const code = normalizeVoucherCode(codeInput)
  const v = await prisma.voucher.findUnique({ where: { code } })
  if (!v) throw new NotFoundError(`no voucher "${code}"`)
  return v
}

/** Cuts off the open sessions of the given vouchers through the CoA path; returns how many were asked. */
async function disconnectVoucherSessions(prisma: PrismaClient, voucherIds: number[], actor: Actor): Promise<number> {
  if (!voucherIds.length) return 0
  const open = await prisma.session.findMany({ where: { voucherId: { in: voucherIds }, stoppedAt: null }, select: { id: true } })
  for (const s of open) {
    await requestSessionChange(prisma, { sessionId: s.id, kind: 'disconnect', requestedBy: actor, reason: 'voucher revoked' }).catch((err) => {
      // Ended meanwhile: nothing to cut off.
      if (!(err instanceof InputError || err instanceof NotFoundError)) throw err
    })
  }
  return open.length
}

export async function revokeVoucher(prisma: PrismaClient, codeInput: string, actor: Actor): Promise<{ voucher: Voucher; disconnected: number }> {
  const before = await getVoucher(prisma, codeInput)
  if (before.revokedAt) return { voucher: before, disconnected: 0 }
  const voucher = await prisma.$transaction(async (tx) => {
    const v = await tx.voucher.update({ where: { id: before.id }, data: { revokedAt: new Date() } })
    await auditEvent(tx, actor, 'voucher.revoke', `voucher:${v.code}`, { batch: v.batch })
    await recordChange(tx, 'voucher', v.id)
    return v
  })
  announceChanges()
  return { voucher, disconnected: await disconnectVoucherSessions(prisma, [voucher.id], actor) }
}

export async function revokeBatch(prisma: PrismaClient, batch: string, actor: Actor): Promise<{ revoked: number; disconnected: number }> {
  await getBatch(prisma, batch)
  const ids = await prisma.$transaction(async (tx) => {
    const rows = await tx.voucher.findMany({ where: { batch, revokedAt: null }, select: { id: true } })
    await tx.voucher.updateMany({ where: { batch, revokedAt: null }, data: { revokedAt: new Date() } })
    await tx.voucherBatch.update({ where: { id: batch }, data: { revokedAt: new Date() } })
    await auditEvent(tx, actor, 'voucher.revoke-batch', `batch:${batch}`, { revoked: rows.length })
    // Without a ref: every RADIUS copy drops its whole voucher cache.
    await recordChange(tx, 'voucher')
    return rows.map((r) => r.id)
  })
  announceChanges()
  return { revoked: ids.length, disconnected: await disconnectVoucherSessions(prisma, ids, actor) }
}

const csvCell = (v: unknown): string => {
  if (v === null || v === undefined) return ''
  const s = v instanceof Date ? v.toISOString() : String(v)
  // A leading = + - @ would be a formula in a spreadsheet.
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe
}

export const VOUCHER_CSV_COLUMNS = ['code', 'site', 'batch', 'state', 'minutes', 'maxDevices', 'validUntil', 'firstUsedAt', 'usedSeconds', 'revokedAt', 'createdAt'] as const

/** The vouchers of a query as CSV (RFC 4180), header first. */
export async function vouchersCsv(prisma: PrismaClient, q: VoucherQuery): Promise<string> {
  const { items } = await listVouchers(prisma, { ...q, limit: MAX_VOUCHERS_PER_BATCH })
  const lines = [VOUCHER_CSV_COLUMNS.join(',')]
  for (const v of items) {
    lines.push([v.code, v.siteName, v.batch, v.state, v.minutes, v.maxDevices, v.validUntil, v.firstUsedAt, v.usedSeconds, v.revokedAt, v.createdAt].map(csvCell).join(','))
  }
  return lines.join('\r\n') + '\r\n'
}

