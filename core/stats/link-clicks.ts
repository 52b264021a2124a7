// Clicks on the splash page's links (how many people the WiFi sent to the
// online public services): one counter per site, hour and link, and the
// same for all sites, nothing about who clicked.
import type { Prisma, PrismaClient } from '../db/generated/client.js'
import { bucketKeySql, spanParams, TOTAL, type Span } from './buckets-sql.js'
import { hourOf } from './calendar.js'
import { keyed } from './rejects.js'

type Tx = PrismaClient | Prisma.TransactionClient

/** Counts one click; concurrent clicks add up (one upsert, no read-modify-write). */
export async function countLinkClick(db: Tx, siteId: number, linkKey: string, at: Date = new Date()): Promise<void> {
  const hour = hourOf(at)
  await db.$executeRaw`
    INSERT INTO "StatsLinkHourly" AS c ("scope", "hour", "linkKey", "count")
    VALUES (0, ${hour}, ${linkKey}, 1), (${siteId}, ${hour}, ${linkKey}, 1)
    ON CONFLICT ("scope", "hour", "linkKey") DO UPDATE SET "count" = c."count" + 1`
}

/** Clicks by link key, per bucket and for the period. */
export async function linkClicksByKey(db: PrismaClient, s: Span): Promise<Map<string, Record<string, number>>> {
  const key = bucketKeySql('"hour"', s.interval, '$4')
  const rows = await db.$queryRawUnsafe<{ k: string | null; link: string; n: number }[]>(
    `SELECT ${key} AS k, "linkKey" AS link, sum("count")::int AS n FROM "StatsLinkHourly"
     WHERE "scope" = $1 AND "hour" >= $2::timestamp AND "hour" < $3::timestamp
     GROUP BY GROUPING SETS ((${key}, "linkKey"), ("linkKey"))`,
    ...spanParams(s),
  )
  return keyed(rows.map((r) => [r.k ?? TOTAL, r.link, r.n]))
}
