// Access-Rejects by reason, per bucket and for the period (StatsAuthHourly,
// written by auth-counts.ts).
import type { PrismaClient } from '../db/generated/client.js'
import { bucketKeySql, spanParams, TOTAL, type Span } from './buckets-sql.js'

export async function rejectsByReason(db: PrismaClient, s: Span): Promise<Map<string, Record<string, number>>> {
  const key = bucketKeySql('"hour"', s.interval, '$4')
  const rows = await db.$queryRawUnsafe<{ k: string | null; reason: string; n: number }[]>(
    `SELECT ${key} AS k, "reason", sum("count")::int AS n FROM "StatsAuthHourly"
     WHERE "scope" = $1 AND "result" = 'reject' AND "hour" >= $2::timestamp AND "hour" < $3::timestamp
     GROUP BY GROUPING SETS ((${key}, "reason"), ("reason"))`,
    ...spanParams(s),
  )
  return keyed(rows.map((r) => [r.k ?? TOTAL, r.reason, r.n]))
}

export function keyed(rows: [string, string, number][]): Map<string, Record<string, number>> {
  const out = new Map<string, Record<string, number>>()
  for (const [k, name, n] of rows) {
    let m = out.get(k)
    if (!m) out.set(k, (m = {}))
    m[name] = n
  }
  return out
}
