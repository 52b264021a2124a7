import type { PrismaClient } from '../db/generated/client.js'
import { InputError } from '../errors.js'
import { newVoucherCode } from '../voucher-code.js'
import { auditEvent } from './audit.js'
import { siteByName } from './sites.js'

export const MAX_VOUCHERS_PER_BATCH = 100_000

export interface NewVouchers {
  site: string
  count: number
  minutes?: number
  validDays?: number
  maxDevices?: number
}

export interface IssuedVoucher {
  code: string
  minutes: number | null
  validUntil: string | null
}

// Rows per INSERT: well under PostgreSQL's 65,535 bind parameters.
const CHUNK = 2000

export async function createVouchers(prisma: PrismaClient, input: NewVouchers, actor: string): Promise<{ batch: string; vouchers: IssuedVoucher[] }> {
  const { count } = input
  if (!Number.isInteger(count) || count < 1 || count > MAX_VOUCHERS_PER_BATCH) {
    throw new InputError(`--count must be a whole number from 1 to ${MAX_VOUCHERS_PER_BATCH}`, 'count')
  }
  const minutes = input.minutes ?? null
  if (minutes !== null && (!Number.isInteger(minutes) || minutes < 1 || minutes > 525_600)) {
    throw new InputError('--minutes must be a whole number of minutes from 1 to 525600 (a year)', 'minutes')
  }
  const validDays = input.validDays ?? 30
  if (!Number.isInteger(validDays) || validDays < 1 || validDays > 3650) throw new InputError('--valid-days must be from 1 to 3650', 'valid-days')
  const maxDevices = input.maxDevices ?? 1
  if (!Number.isInteger(maxDevices) || maxDevices < 1 || maxDevices > 100) throw new InputError('--devices must be from 1 to 100', 'devices')
  const site = await siteByName(prisma, input.site)
  const validUntil = new Date(Date.now() + validDays * 86_400_000)
  const batch = `${new Date().toISOString().slice(0, 19).replace(/\D/g, '')}-${site.id}`

  // All or nothing: a batch is one transaction. Codes are random; the rare
  // duplicate is skipped by the unique index and replaced by a new one.
  const codes = await prisma.$transaction(
    async (tx) => {
      const issued: string[] = []
      while (issued.length < count) {
        const want = Math.min(CHUNK, count - issued.length)
        const candidates = [...new Set(Array.from({ length: want }, newVoucherCode))]
        const rows = await tx.voucher.createManyAndReturn({
          data: candidates.map((code) => ({ code, siteId: site.id, batch, minutes, maxDevices, validUntil, createdBy: actor })),
          skipDuplicates: true,
          select: { code: true },
        })
        issued.push(...rows.map((r) => r.code))
      }
      await auditEvent(tx, actor, 'voucher.create', `site:${site.id}`, { batch, count, minutes, validDays, maxDevices })
      return issued
    },
    { timeout: 120_000, maxWait: 30_000 },
  )
  return { batch, vouchers: codes.map((code) => ({ code, minutes, validUntil: validUntil.toISOString() })) }
}
