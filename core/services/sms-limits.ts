// SMS send budgets counted in the database, so that every copy of the portal
// shares them and parallel requests cannot overspend: each key's counter is
// raised by a conditional upsert, all keys of one send in one transaction,
// and the first key already at its limit rolls the others back.
import { isIP } from 'node:net'
import type { PrismaClient } from '../db/generated/client.js'

export type SmsLimitName = 'ip' | 'phone' | 'mac' | 'site' | 'nas' | 'installation'

export interface SmsBudget {
  limit: SmsLimitName
  key: string
  max: number
  windowSeconds: number
}

export type SpendResult = { ok: true } | { ok: false; limit: SmsLimitName; retryAfterSeconds: number }

/**
 * The address a budget is kept for: an IPv4 address as it is, an IPv6
 * address by its /64 (one subscriber's prefix: a device picks any of its
 * 2^64 addresses at will).
 */
export function addressKey(ip: string): string {
  const v4mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)
  if (v4mapped) return v4mapped[1]!
  if (isIP(ip) !== 6) return ip
  const [head, tail] = ip.split('::') as [string, string | undefined]
  const left = head ? head.split(':') : []
  const right = tail ? tail.split(':') : []
  const groups = tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right]
  return `${groups.slice(0, 4).map((g) => parseInt(g || '0', 16).toString(16)).join(':')}::/64`
}

class Refused extends Error {
  constructor(readonly budget: SmsBudget, readonly windowStart: Date) {
    super('sms budget spent')
  }
}

/**
 * Counts one SMS against every budget, or against none: refused when any
 * budget's fixed window is already full. Atomic per key (a conditional
 * upsert takes the row lock) and across keys (one transaction).
 */
export async function spendSmsBudgets(db: PrismaClient, budgets: SmsBudget[], now = new Date()): Promise<SpendResult> {
  // A fixed order of keys: two transactions never wait on each other crosswise.
  const ordered = [...budgets].filter((b) => b.max >= 0).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.windowSeconds - b.windowSeconds))
  try {
    await db.$transaction(async (tx) => {
      for (const b of ordered) {
        const ms = b.windowSeconds * 1000
        const windowStart = new Date(Math.floor(now.getTime() / ms) * ms)
        const key = `${b.key}/${b.windowSeconds}`
        if (b.max === 0) throw new Refused(b, windowStart)
        const rows = await tx.$queryRaw<{ count: number }[]>`
          INSERT INTO "SmsLimitCounter" ("key", "windowStart", "count") VALUES (${key}, ${windowStart}::timestamp, 1)
          ON CONFLICT ("key", "windowStart") DO UPDATE SET "count" = "SmsLimitCounter"."count" + 1
          WHERE "SmsLimitCounter"."count" < ${b.max}
          RETURNING "count"`
        if (rows.length === 0) throw new Refused(b, windowStart)
      }
    })
  } catch (err) {
    if (!(err instanceof Refused)) throw err
    const end = err.windowStart.getTime() + err.budget.windowSeconds * 1000
    return { ok: false, limit: err.budget.limit, retryAfterSeconds: Math.max(1, Math.ceil((end - now.getTime()) / 1000)) }
  }
  return { ok: true }
}
