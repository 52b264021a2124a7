// Distinct devices online in a bucket, and over the whole period (never a
// sum of buckets). Hours come from StatsHourly; days, months and years from
// the counts the fold keeps (StatsUnique), which stay exact after sessions
// are purged. A period that is not one such day, month or year is counted
// from the per-day device rows (StatsDevicePeriod).
import type { PrismaClient } from '../db/generated/client.js'
import { TOTAL, type Span } from './buckets-sql.js'
import { buckets, nextDate, nextMonth, type Bucket } from './calendar.js'

type Period = 'd' | 'm' | 'y'

/** The stored period a date range is exactly, if any. */
export function storedPeriod(from: string, to: string): { period: Period; start: string } | null {
  if (from === to) return { period: 'd', start: from }
  const last = nextDate(to)
  if (from.endsWith('-01') && nextMonth(from) === last) return { period: 'm', start: from }
  if (from.endsWith('-01-01') && last === `${Number(from.slice(0, 4)) + 1}-01-01`) return { period: 'y', start: from }
  return null
}

async function stored(db: PrismaClient, scope: number, period: Period, starts: string[]): Promise<Map<string, number>> {
  if (!starts.length) return new Map()
  const rows = await db.$queryRawUnsafe<{ start: string; n: number }[]>(
    `SELECT to_char("start", 'YYYY-MM-DD') AS start, "devices" AS n FROM "StatsUnique" WHERE "scope" = $1 AND "period" = $2 AND "start" = ANY($3::date[])`,
    scope,
    period,
    starts,
  )
  return new Map(rows.map((r) => [r.start, r.n]))
}

/** Distinct devices over local days from..to (inclusive), from the per-day rows (whole months from the per-month rows). */
async function counted(db: PrismaClient, scope: number, from: string, to: string): Promise<number> {
  const byMonth = from.endsWith('-01') && nextDate(to).endsWith('-01')
  const rows = await db.$queryRawUnsafe<{ n: number }[]>(
    `SELECT count(DISTINCT "deviceId")::int AS n FROM "StatsDevicePeriod"
     WHERE "scope" = $1 AND "period" = $2 AND "start" >= $3::date AND "start" <= $4::date`,
    scope,
    byMonth ? 'm' : 'd',
    from,
    to,
  )
  return rows[0]?.n ?? 0
}

/** Per bucket key (bucketKey()) and TOTAL. `hourly` has the hours' counts (interval 'hour'). */
export async function uniqueDevices(db: PrismaClient, s: Span, from: string, to: string, hourly: Map<string, { uniqueDevices: number }>): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  const list: Bucket[] = buckets(from, to, s.interval, s.timeZone)
  const lastDay = (b: Bucket) => {
    // The bucket's last local day: the day before the next bucket's first.
    const i = list.indexOf(b)
    return i + 1 < list.length ? nextDate(list[i + 1]!.date, -1) : to
  }
  if (s.interval === 'hour') {
    for (const [k, v] of hourly) if (k !== TOTAL) out.set(k, v.uniqueDevices)
  } else {
    const want = list.map((b) => ({ b, p: storedPeriod(b.date, lastDay(b)) }))
    for (const period of ['d', 'm'] as const) {
      const starts = want.filter((w) => w.p?.period === period).map((w) => w.p!.start)
      const got = await stored(db, s.scope, period, starts)
      for (const w of want) if (w.p?.period === period) out.set(s.interval === 'day' ? w.b.date : w.b.date.slice(0, 7), got.get(w.p.start) ?? 0)
    }
    for (const w of want) if (!w.p) out.set(w.b.date.slice(0, 7), await counted(db, s.scope, w.b.date, lastDay(w.b)))
  }
  const total = storedPeriod(from, to)
  out.set(TOTAL, total ? ((await stored(db, s.scope, total.period, [total.start])).get(total.start) ?? 0) : await counted(db, s.scope, from, to))
  return out
}
