// New devices: those first online (at this site, or anywhere for all sites)
// in the bucket. Each device has one first time, so buckets add up.
import type { PrismaClient } from '../db/generated/client.js'
import { bucketKeySql, spanParams, TOTAL, type Span } from './buckets-sql.js'

export async function newDevices(db: PrismaClient, s: Span): Promise<Map<string, number>> {
  const key = bucketKeySql('h', s.interval, '$4')
  const rows = await db.$queryRawUnsafe<{ k: string | null; n: number }[]>(
    // Counted by hour first (an index-only scan), then named: the key is worked out once an hour, not once a device.
    `SELECT ${key} AS k, sum(n)::int AS n FROM (
       SELECT date_trunc('hour', "firstAt") AS h, count(*) AS n FROM "StatsFirstSeen"
       WHERE "scope" = $1 AND "firstAt" >= $2::timestamp AND "firstAt" < $3::timestamp GROUP BY 1) x
     GROUP BY GROUPING SETS ((${key}), ())`,
    ...spanParams(s),
  )
  return new Map(rows.map((r) => [r.k ?? TOTAL, r.n]))
}
